namespace Torsion.Defer;

/// <summary>
/// Watches a Deferred of any value type from inside Torsion: a chain step that reports the outcome (null for a
/// value, else the failure, which it marks handled) without reading or changing the value.
/// </summary>
internal sealed class DeferredObserver : IStepHook
{
    private readonly Action<Exception?> _onResult;

    private DeferredObserver(Action<Exception?> onResult)
    {
        _onResult = onResult;
    }

    /// <summary>Calls <paramref name="onResult"/> when the chain of <paramref name="deferred"/> reaches this point.</summary>
    public static void Observe(Deferred deferred, Action<Exception?> onResult)
    {
        var observer = new DeferredObserver(onResult);
        deferred.Chain.AddStep(new Step
        {
            Callback = observer,
            Errback = observer,
            CallbackKind = StepKind.Hook,
            ErrbackKind = StepKind.Hook,
            Invoker = StepInvoker.Untyped,
        });
    }

    public void Run(Deferred chain)
    {
        if (chain.IsFailed)
        {
            chain.MarkConsumed();
            _onResult(chain.Error);
        }
        else
        {
            _onResult(null);
        }
    }
}
