using System.Runtime.CompilerServices;

namespace Torsion.Defer;

/// <summary>
/// The heap home of an <c>async Deferred</c> state machine once it awaits something incomplete. It is the method
/// Deferred's canceller (cancellation reaches the awaited Deferred) and the step that resumes the method.
/// </summary>
internal sealed class StateMachineBox<TStateMachine> : IResumable, ICancelHook
    where TStateMachine : IAsyncStateMachine
{
    private static readonly ContextCallback s_moveNext = static s => Unsafe.As<StateMachineBox<TStateMachine>>(s!).StateMachine.MoveNext();

    public TStateMachine StateMachine = default!;
    public Deferred Deferred = null!;
    private Action? _moveNextAction;
    private Deferred? _awaiting;
    private ExecutionContext? _context;

    /// <summary>A cached delegate for awaiters that are not Deferreds (Tasks, ValueTasks ...).</summary>
    public Action MoveNextAction => _moveNextAction ??= MoveNext;

    public void Await(Deferred awaited)
    {
        _awaiting = awaited;
        _context = ExecutionContext.Capture();
        awaited.Chain.AddStep(new Step
        {
            Callback = this,
            Errback = SynchronizationContext.Current,
            CallbackKind = StepKind.Resume,
            ErrbackKind = StepKind.Resume,
            Invoker = StepInvoker.Untyped,
        });
    }

    public void AwaitOther()
    {
        _awaiting = null;
        _context = ExecutionContext.Capture();
    }

    /// <summary>Resumes inside a chain run: if the method finishes, its Deferred's callbacks are left to that run (no recursion).</summary>
    public Deferred? Resume()
    {
        _awaiting = null;
        var deferred = Deferred;
        deferred.BeginDeferredRun();
        var pending = false;
        try
        {
            Run();
        }
        finally
        {
            pending = deferred.EndDeferredRun();
        }

        return pending ? deferred : null;
    }

    public void Cancel(Deferred owner) => _awaiting?.Cancel();

    private void MoveNext()
    {
        _awaiting = null;
        Run();
    }

    private void Run()
    {
        var context = _context;
        if (context is null)
        {
            StateMachine.MoveNext();
        }
        else
        {
            ExecutionContext.Run(context, s_moveNext, this);
        }
    }
}
