namespace Torsion.Reactor;

/// <summary>
/// Time as a reactor sees it: a monotonic clock in seconds and calls scheduled on it.
/// Implemented by every reactor and by <c>Torsion.Testing.Clock</c> for tests.
/// </summary>
public interface IReactorTime
{
    /// <summary>Seconds on this reactor's monotonic clock (not wall-clock time).</summary>
    double Seconds();

    /// <summary>Runs <paramref name="action"/> on the reactor thread once <paramref name="delay"/> has passed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The delay is negative.</exception>
    IDelayedCall CallLater(TimeSpan delay, Action action);
}
