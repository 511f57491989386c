namespace Torsion.Reactor;

/// <summary>The phases of a system event, run in this order.</summary>
public enum SystemEventPhase
{
    /// <summary>Before the event's own work (shutdown: connections are still open).</summary>
    Before,

    /// <summary>The event's own work (shutdown: ports stop listening, connections are closed).</summary>
    During,

    /// <summary>After the event's own work.</summary>
    After,
}
