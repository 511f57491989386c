namespace Torsion.Defer;

/// <summary>What a delegate stored in a <see cref="Step"/> is, so the invoker can call it without type tests.</summary>
internal enum StepKind : byte
{
    /// <summary>Nothing on this path: the result passes through unchanged.</summary>
    None,

    /// <summary><c>Func&lt;TIn, TOut&gt;</c>.</summary>
    Func,

    /// <summary><c>Action&lt;TIn&gt;</c>; the value passes through.</summary>
    Action,

    /// <summary><c>Func&lt;TIn, Deferred&lt;TOut&gt;&gt;</c>.</summary>
    FuncDeferred,

    /// <summary><c>Func&lt;Exception, TOut&gt;</c>.</summary>
    ErrFunc,

    /// <summary><c>Func&lt;Exception, Deferred&lt;TOut&gt;&gt;</c>.</summary>
    ErrFuncDeferred,

    /// <summary><see cref="ErrbackFilter{TOut}"/>: handles some exception types, passes the others on.</summary>
    ErrFilter,

    /// <summary><c>Func&lt;DeferredResult&lt;TIn&gt;, TOut&gt;</c>.</summary>
    BothFunc,

    /// <summary><c>Func&lt;DeferredResult&lt;TIn&gt;, Deferred&lt;TOut&gt;&gt;</c>.</summary>
    BothFuncDeferred,

    /// <summary><c>Action&lt;DeferredResult&lt;TIn&gt;&gt;</c>; the result passes through.</summary>
    BothAction,

    /// <summary>Hands this chain's result to the waiting outer chain (Output is the outer view).</summary>
    Continue,

    /// <summary>An awaiter continuation (<see cref="System.Action"/>); Errback holds the captured SynchronizationContext.</summary>
    AwaitAction,

    /// <summary>Resumes an <c>async Deferred</c> state machine box; Errback holds the captured SynchronizationContext.</summary>
    Resume,

    /// <summary>An <see cref="IStepHook"/> that sees the chain on both paths.</summary>
    Hook,

    /// <summary>Completes a <c>TaskCompletionSource&lt;TIn&gt;</c>.</summary>
    TaskSource,
}

/// <summary>One link of a callback chain: a callback/errback pair, with the typed view that receives its result.</summary>
internal struct Step
{
    public object? Callback;
    public object? Errback;
    public Deferred? Output;
    public StepInvoker Invoker;
    public StepKind CallbackKind;
    public StepKind ErrbackKind;
}

/// <summary>An internal chain participant that reads or rewrites the chain's result (timeouts).</summary>
internal interface IStepHook
{
    void Run(Deferred chain);
}

/// <summary>An <c>async Deferred</c> state machine that a chain resumes.</summary>
internal interface IResumable
{
    /// <summary>Runs the state machine; returns the method's Deferred if it fired and its callbacks still have to run.</summary>
    Deferred? Resume();
}

/// <summary>A canceller that is an object rather than a delegate (an <c>async Deferred</c> method box).</summary>
internal interface ICancelHook
{
    void Cancel(Deferred owner);
}

/// <summary>A typed errback that handles only some exception types.</summary>
internal abstract class ErrbackFilter<TOut>
{
    public abstract bool TryHandle(Exception error, out TOut value);
}

/// <summary>An errback filter for one exception type.</summary>
internal sealed class ErrbackFilter<TException, TOut>(Func<TException, TOut> errback) : ErrbackFilter<TOut>
    where TException : Exception
{
    public override bool TryHandle(Exception error, out TOut value)
    {
        if (error is TException typed)
        {
            value = errback(typed);
            return true;
        }

        value = default!;
        return false;
    }
}

/// <summary>A queued step in a chain's circular list of steps.</summary>
internal sealed class StepNode(in Step step)
{
    public Step Step = step;
    public StepNode? Next;
}
