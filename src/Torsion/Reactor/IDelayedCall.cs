namespace Torsion.Reactor;

/// <summary>A call scheduled by <see cref="IReactorTime.CallLater"/>: it can be cancelled, moved or inspected until it runs.</summary>
public interface IDelayedCall
{
    /// <summary>The time, on the reactor's clock (<see cref="IReactorTime.Seconds"/>), at which the call will run.</summary>
    double Time { get; }

    /// <summary>True until the call has run or was cancelled.</summary>
    bool Active { get; }

    /// <summary>Cancels the call.</summary>
    /// <exception cref="InvalidOperationException">The call already ran or was cancelled.</exception>
    void Cancel();

    /// <summary>Reschedules the call to run <paramref name="delay"/> from now.</summary>
    /// <exception cref="InvalidOperationException">The call already ran or was cancelled.</exception>
    void Reset(TimeSpan delay);

    /// <summary>Moves the call later by <paramref name="by"/>.</summary>
    /// <exception cref="InvalidOperationException">The call already ran or was cancelled.</exception>
    void Delay(TimeSpan by);
}
