namespace Torsion.Reactor;

/// <summary>The system events of a reactor.</summary>
public enum SystemEventType
{
    /// <summary>Fired when <see cref="IReactorCore.Run"/> starts.</summary>
    Startup,

    /// <summary>Fired when <see cref="IReactorCore.Stop"/> is called.</summary>
    Shutdown,
}
