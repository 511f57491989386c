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
        HasFirst = 512,
    }

    // Chain state; only meaningful on the owner (Chain == this).
    private object? _result;          // a Deferred<X> view holding the value, the Exception, or the awaited inner chain
    private State _state;
    private int _pauseCount;
    private Step _first;
    private Step[]? _steps;
    private int _head;
    private int _tail;
    private object? _canceller;
    private FailureTracker? _tracker;
    private Deferred? _currentView;   // null: the owner is the current view

    internal Deferred()
    {
        Chain = this;
    }

    internal Deferred(Deferred owner)
    {
        Chain = owner;
    }

    /// <summary>The Deferred that owns the chain: this one, or the original Deferred of a typed view.</summary>
    internal Deferred Chain { get; }

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
            return (c._state & (State.Called | State.Running | State.Waiting)) == State.Called
                && c._pauseCount == 0 && (c._state & State.HasFirst) == 0 && c._head == c._tail;
        }
    }

    /// <summary>True if the current result can be read: fired, not paused, not waiting on an inner Deferred.</summary>
    internal bool HasCurrentResult
    {
        get
        {
            var c = Chain;
            return (c._state & (State.Called | State.Waiting)) == State.Called && c._pauseCount == 0;
        }
    }

    internal object? ResultObject => _result;

    internal Exception Error => (Exception)Chain._result!;

    internal Deferred CurrentView => Chain._currentView ?? Chain;

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
            var canceller = c._canceller;
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
            _result = holder;
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

    internal void SetCanceller(object? canceller) => Chain._canceller = canceller;

    internal void SetHolder(Deferred holder)
    {
        _result = holder;
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
        if (c._tracker is not null)
        {
            c._tracker.Dismiss();
            c._tracker = null;
        }
    }

    internal bool WasCancelled => (Chain._state & State.Cancelled) != 0;

    internal void BeginWaiting(Deferred inner)
    {
        _result = inner;
        _state = (_state | State.Waiting) & ~State.Failed;
        _pauseCount++;
    }

    internal void EndWaiting()
    {
        _state &= ~State.Waiting;
        _pauseCount--;
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

    internal void SetCurrentView(Deferred view) => Chain._currentView = view == Chain ? null : view;

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
        if ((_state & State.HasFirst) == 0 && _head == _tail)
        {
            _first = step;
            _state |= State.HasFirst;
            return;
        }

        if (_steps is null)
        {
            _steps = new Step[4];
        }
        else if (_tail == _steps.Length)
        {
            var count = _tail - _head;
            if (_head > 0 && count < _steps.Length / 2)
            {
                Array.Copy(_steps, _head, _steps, 0, count);
                Array.Clear(_steps, count, _tail - count);
            }
            else
            {
                var grown = new Step[_steps.Length * 2];
                Array.Copy(_steps, _head, grown, 0, count);
                _steps = grown;
            }

            _head = 0;
            _tail = count;
        }

        _steps[_tail++] = step;
    }

    private bool TryDequeue(out Step step)
    {
        if ((_state & State.HasFirst) != 0)
        {
            step = _first;
            _first = default;
            _state &= ~State.HasFirst;
            return true;
        }

        if (_head != _tail)
        {
            step = _steps![_head];
            _steps[_head++] = default;
            if (_head == _tail)
            {
                _head = 0;
                _tail = 0;
            }

            return true;
        }

        step = default;
        return false;
    }

    /// <summary>
    /// Runs the chain as far as it can go. Like Twisted's <c>_runCallbacks</c>, a chain that resumes another
    /// (an outer Deferred waiting on this one) is pushed on a local stack instead of recursing, so chains of any
    /// depth or length run in constant stack space.
    /// </summary>
    internal void RunCallbacks()
    {
        var current = this;
        List<Deferred>? stack = null;
        while (true)
        {
            if ((current._state & (State.Running | State.Called)) == State.Called && current._pauseCount == 0)
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
                    (stack ??= []).Add(current);
                    current = next;
                    continue;
                }

                current.TrackFailure();
            }

            if (stack is null || stack.Count == 0)
            {
                return;
            }

            current = stack[^1];
            stack.RemoveAt(stack.Count - 1);
        }
    }

    /// <summary>Keeps a finalizable tracker only while the chain rests on an unhandled failure.</summary>
    private void TrackFailure()
    {
        if ((_state & (State.Failed | State.Consumed | State.Waiting)) == State.Failed)
        {
            if (_tracker is null)
            {
                _tracker = new FailureTracker((Exception)_result!, TypeName);
            }
            else
            {
                _tracker.Error = (Exception)_result!;
            }
        }
        else if (_tracker is not null)
        {
            _tracker.Dismiss();
            _tracker = null;
        }
    }
}
