namespace Torsion.Reactor;

/// <summary>A connection the reactor closes on shutdown.</summary>
internal interface IReactorConnection
{
    void LoseConnection();

    void AbortConnection();
}
