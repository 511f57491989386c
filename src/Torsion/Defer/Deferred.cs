using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Torsion.Defer;

/// <summary>
/// The untyped part of every <see cref="Deferred{T}"/> (its callback chain, cancellation and state), and the
/// factory methods (<see cref="Succeed{T}(T)"/>, <see cref="Gather{T}"/>, <see cref="Race{T}"/> ...).
/// It cannot be subclassed outside Torsion; create a <see cref="Deferred{T}"/>.
/// </summary>
/// <remarks>
/// One chain per Deferred, as in Twisted. A type-changing callback returns a new typed view
/// (<see cref="Deferred{T}"/>) of the same chain; the chain state lives in the Deferred created first (the owner).
/// </remarks>
public abstract partial class Deferred
{
    [Flags]
    private enum State
    {
        None = 0,
        Called = 1,
        Failed = 2,
        Running = 4,
        Waiting = 8,
        Consumed = 16,
        SuppressAlreadyCalled = 32,
        Cancelled = 64,
        DeferRun = 128,
        RunPending = 256,
    }

    // Chain state; only meaningful on the owner (Chain == this). Kept small (Task<T>-sized): steps live in a
    // circular list of nodes, rarely used state (canceller, failure tracker, typed view) in a side object.
    private object? _result;          // a Deferred<X> view holding the value (null once fired: the owner itself), the Exception, or the awaited inner chain
    private object? _steps;           // null, a lone IResumable (an awaiting async method), or the last StepNode (its Next is the first)
    private DeferredExtras? _extras;
    private State _state;

    // The owner of a typed view; null on the owner itself (saves a GC write barrier on every new Deferred).
    private readonly Deferred? _owner;

    internal Deferred()
    {
    }

    internal Deferred(Deferred owner)
    {
        _owner = owner;
    }

    /// <summary>The Deferred that owns the chain: this one, or the original Deferred of a typed view.</summary>
    internal Deferred Chain
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _owner ?? this;
    }

    /// <summary>True once <c>Callback</c> or <c>Errback</c> has been called (including by <see cref="Cancel"/>).</summary>
    public bool Called => (Chain._state & State.Called) != 0;

    /// <summary>True if the chain currently holds a failure (an exception) rather than a value.</summary>
    internal bool IsFailed => (Chain._state & State.Failed) != 0;

    /// <summary>True if the chain has fired, is not waiting on another Deferred and has no callbacks left to run.</summary>
    internal bool IsFinal
    {
        get
        {
            var c = Chain;
            return (c._state & (State.Called | State.Running | State.Waiting)) == State.Called && c._steps is null;
        }
    }

    /// <summary>True if the current result can be read: fired, not paused, not waiting on an inner Deferred.</summary>
    internal bool HasCurrentResult
    {
        get
        {
            var c = Chain;
            return (c._state & (State.Called | State.Waiting)) == State.Called;
        }
    }

    /// <summary>The owner's result: a value holder (null stored means the owner itself), the Exception, or the awaited inner chain.</summary>
    internal object? ResultObject => _result ?? this;

    /// <summary>
    /// The synchronous await fast path: true if this Deferred owns its chain, has fired with a value it holds
    /// itself, and is not paused or waiting. A typed view's own state is always None, so views take the slow path.
    /// </summary>
    internal bool HoldsOwnValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            // _result is never this: the owner holding its own value is stored as null.
            return (_state & (State.Called | State.Waiting | State.Failed)) == State.Called && _result is null;
        }
    }

    /// <summary>Like <see cref="IsFinal"/>, read on this Deferred only (false for a typed view: its own state is None).</summary>
    internal bool IsFinalOwner
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_state & (State.Called | State.Running | State.Waiting)) == State.Called && _steps is null;
    }

    internal Exception Error => (Exception)Chain._result!;

    internal Deferred CurrentView => Chain._extras?.CurrentView ?? Chain;

    /// <summary>
    /// Cancels the Deferred: before it fires, calls the canceller given at construction and, if that did not
    /// fire it, errbacks with <see cref="CancelledException"/>; while it waits on a Deferred returned by a
    /// callback, cancels that one instead; after it has fired, does nothing.
    /// </summary>
    public void Cancel()
    {
        var c = Chain;
        if ((c._state & State.Called) == 0)
        {
            var canceller = c._extras?.Canceller;
            if (canceller is not null)
            {
                if (canceller is ICancelHook hook)
                {
                    hook.Cancel(c);
                }
                else
                {
                    c.InvokeCanceller(canceller);
                }
            }
            else if (c is ICancelHook self)
            {
                // An async Deferred method's box is its own Deferred and its own canceller.
                self.Cancel(c);
            }
            else
            {
                // No real canceller: the result that eventually arrives is eaten once, as in Twisted.
                c._state |= State.SuppressAlreadyCalled;
            }

            if ((c._state & State.Called) == 0)
            {
                c._state |= State.Cancelled;
                c.Fire(null, new CancelledException());
            }
        }
        else if ((c._state & State.Waiting) != 0)
        {
            ((Deferred)c._result!).Cancel();
        }
    }

    /// <summary>Fires the chain with a failure: the next errback in the chain receives <paramref name="error"/>.</summary>
    /// <exception cref="AlreadyCalledException">The Deferred has already fired.</exception>
    public void Errback(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.StackTrace is null && error is not CancelledException)
        {
            // Never thrown: give it the stack of the Errback call so an unhandled-failure log says where it came from.
            try
            {
                ExceptionDispatchInfo.SetCurrentStackTrace(error);
            }
            catch (InvalidOperationException)
            {
                // Already has a stack trace captured in another way; keep it.
            }
        }

        Chain.Fire(null, error);
    }

    /// <summary>Invokes a typed <c>Action&lt;Deferred&lt;T&gt;&gt;</c> canceller on the owner.</summary>
    private protected abstract void InvokeCanceller(object canceller);

    /// <summary>Describes the owner's type for messages.</summary>
    private string TypeName => ViewTypeName;

    /// <summary>Fires the owner's chain with a value holder or a failure.</summary>
    private protected void Fire(Deferred? holder, Exception? error)
    {
        if ((_state & State.Called) != 0)
        {
            if ((_state & State.SuppressAlreadyCalled) != 0)
            {
                _state &= ~State.SuppressAlreadyCalled;
                return;
            }

            throw new AlreadyCalledException(TypeName, (_state & State.Cancelled) != 0);
        }

        _state |= State.Called;
        if (error is null)
        {
            // The owner holding its own value is stored as null (see ResultObject): no write barrier, one-load fast path.
            _result = ReferenceEquals(holder, this) ? null : holder;
        }
        else
        {
            _result = error;
            _state |= State.Failed;
        }

        if ((_state & State.DeferRun) != 0)
        {
            // An async Deferred method finishing inside a chain run: the resuming chain runs our callbacks (trampoline).
            _state |= State.RunPending;
            return;
        }

        RunCallbacks();
    }

    /// <summary>Makes a fresh owner hold its own value as already fired, with no callbacks to run.</summary>
    /// <remarks>Leaves <c>_result</c> null, which <see cref="ResultObject"/> reads as "the owner itself": no write barrier.</remarks>
    private protected void SetFiredWithOwnValue()
    {
        _state = State.Called;
    }

    internal void SetCanceller(object? canceller) => Chain.Extras.Canceller = canceller;

    private DeferredExtras Extras => _extras ??= new DeferredExtras();

    internal void SetHolder(Deferred holder)
    {
        _result = ReferenceEquals(holder, this) ? null : holder;
        _state &= ~State.Failed;
    }

    internal void SetFailure(Exception error)
    {
        _result = error;
        _state = (_state | State.Failed) & ~State.Consumed;
    }

    /// <summary>Marks the current failure as handled so it is not logged when the Deferred is collected.</summary>
    internal void MarkConsumed()
    {
        var c = Chain;
        c._state |= State.Consumed;
        if (c._extras?.Tracker is { } tracker)
        {
            tracker.Dismiss();
            c._extras.Tracker = null;
        }
    }

    internal bool WasCancelled => (Chain._state & State.Cancelled) != 0;

    internal void BeginWaiting(Deferred inner)
    {
        _result = inner;
        _state = (_state | State.Waiting) & ~State.Failed;
    }

    internal void EndWaiting()
    {
        _state &= ~State.Waiting;
    }

    /// <summary>While set, firing this Deferred records the result but leaves running the callbacks to the caller.</summary>
    internal void BeginDeferredRun() => _state |= State.DeferRun;

    /// <summary>Ends <see cref="BeginDeferredRun"/>; true if the Deferred fired meanwhile and its callbacks must run.</summary>
    internal bool EndDeferredRun()
    {
        var pending = (_state & State.RunPending) != 0;
        _state &= ~(State.DeferRun | State.RunPending);
        return pending;
    }

    /// <summary>Checks that callbacks may be added through this handle: it must be the chain's current typed view.</summary>
    internal void EnsureCurrentView()
    {
        var current = CurrentView;
        if (current != this)
        {
            throw new InvalidOperationException(
                $"This {Describe(this)} is no longer the current handle of its callback chain: a type-changing callback turned the chain into a {Describe(current)}. Add callbacks to, and await, the {Describe(current)} that call returned.");
        }
    }

    internal void SetCurrentView(Deferred view)
    {
        var c = Chain;
        if (view != c)
        {
            c.Extras.CurrentView = view;
        }
        else if (c._extras is not null)
        {
            c._extras.CurrentView = null;
        }
    }

    private protected static string Describe(Deferred d) => d.ViewTypeName;

    private protected abstract string ViewTypeName { get; }

    /// <summary>Adds a step to the owner's chain and runs the chain if it has fired.</summary>
    internal void AddStep(in Step step)
    {
        var c = Chain;
        c.Enqueue(step);
        if ((c._state & State.Called) != 0)
        {
            c.RunCallbacks();
        }
    }

    internal void Enqueue(in Step step)
    {
        var node = new StepNode(step);
        var steps = _steps;
        if (steps is null)
        {
            node.Next = node;
        }
        else
        {
            var last = steps as StepNode ?? ToNode(steps);
            node.Next = last.Next;
            last.Next = node;
        }

        _steps = node;
    }

    /// <summary>Adds a step that resumes an <c>async Deferred</c> method and runs the chain if it has fired.</summary>
    internal void AddResume(IResumable box, SynchronizationContext? context)
    {
        var c = Chain;
        if (context is null)
        {
            c.EnqueueResume(box);
        }
        else
        {
            c.Enqueue(ResumeStep(box, context));
        }

        if ((c._state & State.Called) != 0)
        {
            c.RunCallbacks();
        }
    }

    /// <summary>The finalizable tracker while the chain rests on an unhandled failure (for tests).</summary>
    internal FailureTracker? Tracker => Chain._extras?.Tracker;

    /// <summary>The canceller object given to <see cref="SetCanceller"/>, if any.</summary>
    internal object? CancellerObject => Chain._extras?.Canceller;

    /// <summary>Queues an <c>async Deferred</c> method to resume, without a node when it is the only step.</summary>
    internal void EnqueueResume(IResumable box)
    {
        if (_steps is null)
        {
            _steps = box;
            return;
        }

        Enqueue(ResumeStep(box, null));
    }

    internal static Step ResumeStep(IResumable box, SynchronizationContext? context) => new()
    {
        Callback = box,
        Errback = context,
        CallbackKind = StepKind.Resume,
        ErrbackKind = StepKind.Resume,
        Invoker = StepInvoker.Untyped,
    };

    private static StepNode ToNode(object lone)
    {
        var node = new StepNode(ResumeStep((IResumable)lone, null));
        node.Next = node;
        return node;
    }

    private bool TryDequeue(out Step step)
    {
        var steps = _steps;
        if (steps is null)
        {
            step = default;
            return false;
        }

        if (steps is StepNode last)
        {
            var first = last.Next!;
            _steps = first == last ? null : steps;
            last.Next = first.Next;
            step = first.Step;
            return true;
        }

        _steps = null;
        step = ResumeStep(Unsafe.As<IResumable>(steps), null);
        return true;
    }

    /// <summary>
    /// Runs the chain as far as it can go. Like Twisted's <c>_runCallbacks</c>, a chain that resumes another
    /// (an outer Deferred waiting on this one) is pushed on a local stack instead of recursing, so chains of any
    /// depth or length run in constant stack space.
    /// </summary>
    internal void RunCallbacks()
    {
        var current = this;
        Deferred? top = null;             // the top of the stack, kept out of the list so one level allocates nothing
        List<Deferred>? stack = null;
        while (true)
        {
            if ((current._state & (State.Running | State.Called | State.Waiting)) == State.Called)
            {
                current._state |= State.Running;
                Deferred? next = null;
                while (current.TryDequeue(out var step))
                {
                    try
                    {
                        next = step.Invoker.Invoke(current, ref step);
                    }
                    catch (Exception error)
                    {
                        current.SetFailure(error);
                    }

                    if (next is not null || (current._state & State.Waiting) != 0)
                    {
                        break;
                    }
                }

                current._state &= ~State.Running;
                if (next is not null)
                {
                    if (top is not null)
                    {
                        (stack ??= []).Add(top);
                    }

                    top = current;
                    current = next;
                    continue;
                }

                current.TrackFailure();
            }

            if (top is null)
            {
                return;
            }

            current = top;
            if (stack is { Count: > 0 })
            {
                top = stack[^1];
                stack.RemoveAt(stack.Count - 1);
            }
            else
            {
                top = null;
            }
        }
    }

    /// <summary>Keeps a finalizable tracker only while the chain rests on an unhandled failure.</summary>
    private void TrackFailure()
    {
        if ((_state & (State.Failed | State.Consumed | State.Waiting)) == State.Failed)
        {
            var extras = Extras;
            if (extras.Tracker is null)
            {
                extras.Tracker = new FailureTracker((Exception)_result!, TypeName);
            }
            else
            {
                extras.Tracker.Error = (Exception)_result!;
            }
        }
        else if (_extras?.Tracker is { } tracker)
        {
            tracker.Dismiss();
            _extras.Tracker = null;
        }
    }
}
