using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Torsion.Reactor;

namespace Torsion.Defer;

/// <summary>
/// A result of type <typeparamref name="T"/> that is not here yet, after Twisted's Deferred: fire it once with
/// <see cref="Callback"/> or <see cref="Deferred.Errback"/>; callbacks and errbacks added before or after it fired
/// run synchronously, in order, each receiving the result of the one before.
/// </summary>
/// <remarks>
/// <para>A callback that throws moves the chain to the errback path; an errback that returns a value moves it back.
/// A callback that returns a Deferred pauses the chain until that one fires.</para>
/// <para>Callbacks that keep the type return this Deferred. Type-changing callbacks return a new
/// <see cref="Deferred{T}"/> of the result type that continues the same chain; from then on callbacks must be added
/// through that handle (the old one throws <see cref="InvalidOperationException"/>). <see cref="Deferred.Cancel"/>
/// and <see cref="Deferred.Called"/> work on every handle.</para>
/// <para>A Deferred is not thread-safe: fire it and add callbacks on one thread (the reactor's).</para>
/// </remarks>
/// <typeparam name="T">The type of the value the Deferred fires with.</typeparam>
[AsyncMethodBuilder(typeof(DeferredMethodBuilder<>))]
#pragma warning disable CA1852 // not sealed only so that the async method box can be the method's Deferred (as Task's box is a Task<T>)
public class Deferred<T> : Deferred
#pragma warning restore CA1852
{
    /// <summary>The value while this Deferred (or view) holds the chain's result.</summary>
    internal T Value = default!;

    /// <summary>Creates a Deferred that has not fired yet.</summary>
    /// <param name="canceller">Called by <see cref="Deferred.Cancel"/> before the Deferred fired; it may fire the Deferred
    /// itself (otherwise <see cref="Deferred.Cancel"/> errbacks with <see cref="CancelledException"/>).</param>
    /// <exception cref="InvalidOperationException">A type outside Torsion derives from Deferred&lt;T&gt; (it is sealed in spirit).</exception>
    public Deferred(Action<Deferred<T>>? canceller = null)
    {
        if (GetType() != typeof(Deferred<T>))
        {
            throw new InvalidOperationException($"{GetType().Name} derives from Deferred<{TypeNames.Of(typeof(T))}>, which is not meant to be subclassed: wrap a Deferred instead.");
        }

        if (canceller is not null)
        {
            SetCanceller(canceller);
        }
    }

    /// <summary>Creates the Deferred of an <c>async Deferred</c> method that is also its state machine box.</summary>
    private protected Deferred(Unit box)
    {
        _ = box;
    }

    /// <summary>Creates a Deferred that has already fired with <paramref name="value"/> (no callbacks to run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Deferred(T value)
    {
        Value = value;
        SetFiredWithOwnValue();
    }

    /// <summary>Creates a typed view of <paramref name="owner"/>'s chain.</summary>
    internal Deferred(Deferred owner)
        : base(owner)
    {
    }

    private protected override string ViewTypeName => $"Deferred<{TypeNames.Of(typeof(T))}>";

    /// <summary>Fires the Deferred with <paramref name="value"/>: the callbacks run now, in order.</summary>
    /// <exception cref="AlreadyCalledException">The Deferred has already fired.</exception>
    /// <exception cref="InvalidOperationException">This is a typed view returned by a type-changing callback; fire the original Deferred.</exception>
    public void Callback(T value)
    {
        if (Chain != this)
        {
            throw new InvalidOperationException(
                $"This {ViewTypeName} is a view returned by a type-changing callback; call Callback on the Deferred created with new.");
        }

        Value = value;
        Fire(this, null);
    }

    /// <summary>Adds a callback whose return value replaces the result.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddCallback(Func<T, T> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddSame(callback, StepKind.Func, null, StepKind.None);
    }

    /// <summary>Adds a callback that sees the value and passes it on unchanged.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddCallback(Action<T> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddSame(callback, StepKind.Action, null, StepKind.None);
    }

    /// <summary>Adds a callback returning a Deferred: the chain pauses until that Deferred fires and continues with its result.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddCallback(Func<T, Deferred<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddSame(callback, StepKind.FuncDeferred, null, StepKind.None);
    }

    /// <summary>Adds a callback that changes the result type.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddCallback<TResult>(Func<T, TResult> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddTyped<TResult>(callback, StepKind.Func, null, StepKind.None);
    }

    /// <summary>Adds a callback returning a Deferred of another type: the chain pauses until it fires.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddCallback<TResult>(Func<T, Deferred<TResult>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddTyped<TResult>(callback, StepKind.FuncDeferred, null, StepKind.None);
    }

    /// <summary>Adds an errback: its return value puts the chain back on the callback path; throwing keeps it failed.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddErrback(Func<Exception, T> errback)
    {
        ArgumentNullException.ThrowIfNull(errback);
        return AddSame(null, StepKind.None, errback, StepKind.ErrFunc);
    }

    /// <summary>Adds an errback returning a Deferred: the chain pauses until it fires and continues with its result.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddErrback(Func<Exception, Deferred<T>> errback)
    {
        ArgumentNullException.ThrowIfNull(errback);
        return AddSame(null, StepKind.None, errback, StepKind.ErrFuncDeferred);
    }

    /// <summary>
    /// Adds an errback for failures of type <typeparamref name="TException"/> only (Twisted's <c>Failure.trap</c>);
    /// other failures pass on unchanged.
    /// </summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddErrback<TException>(Func<TException, T> errback)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(errback);
        return AddSame(null, StepKind.None, new ErrbackFilter<TException, T>(errback), StepKind.ErrFilter);
    }

    /// <summary>Adds a callback and an errback as one step: exactly one of them runs.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddCallbacks(Func<T, T> callback, Func<Exception, T> errback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(errback);
        return AddSame(callback, StepKind.Func, errback, StepKind.ErrFunc);
    }

    /// <summary>Adds a type-changing callback and errback as one step: exactly one of them runs.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddCallbacks<TResult>(Func<T, TResult> callback, Func<Exception, TResult> errback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(errback);
        return AddTyped<TResult>(callback, StepKind.Func, errback, StepKind.ErrFunc);
    }

    /// <summary>Adds a callback and an errback that return Deferreds, as one step: exactly one of them runs.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddCallbacks<TResult>(Func<T, Deferred<TResult>> callback, Func<Exception, Deferred<TResult>> errback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(errback);
        return AddTyped<TResult>(callback, StepKind.FuncDeferred, errback, StepKind.ErrFuncDeferred);
    }

    /// <summary>Adds one function for both paths; it receives the value or the failure and returns the new value.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddBoth(Func<DeferredResult<T>, T> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddSame(callback, StepKind.BothFunc, callback, StepKind.BothFunc);
    }

    /// <summary>Adds one action for both paths (a <c>finally</c>): the value or failure passes on unchanged.</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddBoth(Action<DeferredResult<T>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddSame(callback, StepKind.BothAction, callback, StepKind.BothAction);
    }

    /// <summary>Adds one type-changing function for both paths.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddBoth<TResult>(Func<DeferredResult<T>, TResult> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddTyped<TResult>(callback, StepKind.BothFunc, callback, StepKind.BothFunc);
    }

    /// <summary>Adds one function for both paths that returns a Deferred; the chain pauses until it fires.</summary>
    /// <returns>The handle of the chain for the new type; add further callbacks to it.</returns>
    public Deferred<TResult> AddBoth<TResult>(Func<DeferredResult<T>, Deferred<TResult>> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return AddTyped<TResult>(callback, StepKind.BothFuncDeferred, callback, StepKind.BothFuncDeferred);
    }

    /// <summary>Fires <paramref name="other"/> with this chain's result at this point (Twisted's <c>chainDeferred</c>).</summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> ChainDeferred(Deferred<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return AddBoth(r =>
        {
            if (r.Success)
            {
                other.Callback(r.Value);
                return r.Value;
            }

            other.Errback(r.Error!);
            return default!;
        });
    }

    /// <summary>
    /// Cancels this Deferred if it has not fired within <paramref name="timeout"/> on <paramref name="clock"/>; the
    /// resulting <see cref="CancelledException"/> becomes a <see cref="TimeoutException"/>. A result that arrives in
    /// time passes through and cancels the timer.
    /// </summary>
    /// <returns>This Deferred.</returns>
    public Deferred<T> AddTimeout(TimeSpan timeout, IReactorTime clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        EnsureCurrentView();
        var guard = new TimeoutGuard(this, timeout);
        guard.Call = clock.CallLater(timeout, guard.Fire);
        AddStep(new Step
        {
            Callback = guard,
            Errback = guard,
            CallbackKind = StepKind.Hook,
            ErrbackKind = StepKind.Hook,
            Invoker = StepInvoker.Untyped,
        });
        return this;
    }

    /// <summary>Gets an awaiter so that <c>await deferred</c> works; awaiting handles a failure (it is thrown, not logged).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DeferredAwaiter<T> GetAwaiter() => new(this);

    /// <summary>
    /// A Task that completes with this chain's result at this point: the value, or the exception (as a faulted Task,
    /// also for <see cref="CancelledException"/>). Task continuations run asynchronously, never inside the chain.
    /// The failure counts as handled by the Task.
    /// </summary>
    public Task<T> AsTask()
    {
        if (IsFinal)
        {
            if (IsFailed)
            {
                MarkConsumed();
                return Task.FromException<T>(Error);
            }

            return Task.FromResult(ReadFinalValue());
        }

        EnsureCurrentView();
        var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        AddStep(new Step
        {
            Callback = source,
            Errback = source,
            CallbackKind = StepKind.TaskSource,
            ErrbackKind = StepKind.TaskSource,
            Output = this,
            Invoker = StepInvoker<T, T>.Instance,
        });
        return source.Task;
    }

    /// <summary>A readable summary: type and state.</summary>
    public override string ToString()
    {
        if (!Called)
        {
            return $"{ViewTypeName} (waiting for a result)";
        }

        if (!HasCurrentResult)
        {
            return $"{ViewTypeName} (waiting on another Deferred)";
        }

        return IsFailed ? $"{ViewTypeName} (failed: {Error.GetType().Name}: {Error.Message})" : Chain.ResultObject is Deferred<T> holder
                ? $"{ViewTypeName} (result: {holder.Value})"
                : $"{ViewTypeName} (result held by {Describe(CurrentView)})";
    }

    /// <summary>The value of a chain that has a current result, checked against this view's type.</summary>
    internal T ReadFinalValue()
    {
        var result = Chain.ResultObject;
        if (ReferenceEquals(result, this))
        {
            return Value;
        }

        if (result is Deferred<T> holder)
        {
            return holder.Value;
        }

        throw new InvalidOperationException(
            $"This {ViewTypeName} no longer holds the chain's result: a type-changing callback turned the chain into a {Describe(CurrentView)}.");
    }

    /// <summary>The result for an awaiter: the value, or the failure thrown (and marked handled).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal T GetAwaitResult()
    {
        // Fast path: an owner that fired with its own value (a born-fired Deferred, or Callback with no type change).
        if (HoldsOwnValue)
        {
            return Value;
        }

        return GetAwaitResultSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T GetAwaitResultSlow()
    {
        if (!HasCurrentResult)
        {
            throw new InvalidOperationException($"This {ViewTypeName} has no result yet; await it instead of calling GetResult.");
        }

        if (IsFailed)
        {
            MarkConsumed();
            ExceptionDispatchInfo.Throw(Error);
        }

        return ReadFinalValue();
    }

    internal void AddAwaitContinuation(Action continuation)
    {
        Chain.AddStep(new Step
        {
            Callback = continuation,
            Errback = SynchronizationContext.Current,
            CallbackKind = StepKind.AwaitAction,
            ErrbackKind = StepKind.AwaitAction,
            Invoker = StepInvoker.Untyped,
        });
    }

    private protected override void InvokeCanceller(object canceller) => ((Action<Deferred<T>>)canceller)(this);

    private Deferred<T> AddSame(object? callback, StepKind callbackKind, object? errback, StepKind errbackKind)
    {
        EnsureCurrentView();
        AddStep(new Step
        {
            Callback = callback,
            Errback = errback,
            CallbackKind = callbackKind,
            ErrbackKind = errbackKind,
            Output = this,
            Invoker = StepInvoker<T, T>.Instance,
        });
        return this;
    }

    private Deferred<TResult> AddTyped<TResult>(object? callback, StepKind callbackKind, object? errback, StepKind errbackKind)
    {
        EnsureCurrentView();
        Deferred<TResult> view;
        if (typeof(TResult) == typeof(T))
        {
            view = Unsafe.As<Deferred<TResult>>(this);
        }
        else
        {
            view = new Deferred<TResult>(Chain);
            SetCurrentView(view);
        }

        AddStep(new Step
        {
            Callback = callback,
            Errback = errback,
            CallbackKind = callbackKind,
            ErrbackKind = errbackKind,
            Output = view,
            Invoker = StepInvoker<T, TResult>.Instance,
        });
        return view;
    }
}
