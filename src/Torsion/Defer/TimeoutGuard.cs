using Torsion.Reactor;

namespace Torsion.Defer;

/// <summary>The timer and chain step behind <c>AddTimeout</c>: cancels the Deferred when due, and turns that cancellation into a timeout.</summary>
internal sealed class TimeoutGuard(Deferred target, TimeSpan timeout) : IStepHook
{
    private bool _timedOut;

    public IDelayedCall? Call { get; set; }

    public void Fire()
    {
        _timedOut = true;
        target.Cancel();
    }

    public void Run(Deferred chain)
    {
        if (Call is { Active: true })
        {
            Call.Cancel();
        }

        if (_timedOut && chain.IsFailed && chain.Error is CancelledException cancelled)
        {
            chain.SetFailure(new TimeoutException($"The Deferred timed out after {timeout} ({timeout.TotalSeconds:0.###} s) and was cancelled.", cancelled));
        }
    }
}
