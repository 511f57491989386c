using System.Runtime.CompilerServices;

namespace Torsion.Defer;

/// <summary>
/// The heap home of an <c>async Deferred</c> state machine once it awaits something incomplete. Like Task's
/// AsyncStateMachineBox it is the method's Deferred itself (one allocation per suspended method), its canceller
/// (cancellation reaches the awaited Deferred) and the step that resumes the method.
/// </summary>
internal sealed class StateMachineBox<TStateMachine, T> : Deferred<T>, IResumable, ICancelHook
    where TStateMachine : IAsyncStateMachine
{
    private static readonly ContextCallback s_moveNext = static s => Unsafe.As<StateMachineBox<TStateMachine, T>>(s!).StateMachine.MoveNext();

    public TStateMachine StateMachine = default!;
    private Deferred<T>? _handedOut;
    private Action? _moveNextAction;
    private Deferred? _awaiting;
    private ExecutionContext? _context;

    public StateMachineBox()
        : base(Unit.Value)
    {
    }

    /// <summary>The method's Deferred: this box, or one handed out before the method first suspended.</summary>
    public Deferred<T> Target
    {
        get => _handedOut ?? this;
        set => _handedOut = value == this ? null : value;
    }

    /// <summary>A cached delegate for awaiters that are not Deferreds (Tasks, ValueTasks ...).</summary>
    public Action MoveNextAction => _moveNextAction ??= MoveNext;

    public void Await(Deferred awaited)
    {
        _awaiting = awaited;
        _context = ExecutionContext.Capture();
        awaited.AddResume(this, SynchronizationContext.Current);
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
        var deferred = Target;
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

    void ICancelHook.Cancel(Deferred owner) => _awaiting?.Cancel();

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
