using System.ComponentModel;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Torsion.Defer;

/// <summary>
/// The async method builder behind <c>async Deferred&lt;T&gt;</c> methods (the C# form of Twisted's
/// inlineCallbacks). Used by the compiler; not called directly.
/// </summary>
/// <remarks>
/// Cancelling the method's Deferred cancels the Deferred the method is awaiting at that moment, so the method sees
/// <see cref="CancelledException"/> thrown from its await. If the method catches that and goes on, its Deferred has
/// already failed with <see cref="CancelledException"/> and the method's later result is dropped.
/// </remarks>
/// <typeparam name="T">The method's result type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct DeferredMethodBuilder<T>
{
    // The method's Deferred: after the first incomplete await, the state machine box itself.
    private Deferred<T>? _deferred;

    /// <summary>Creates a builder.</summary>
    public static DeferredMethodBuilder<T> Create() => default;

    /// <summary>The Deferred the method returns.</summary>
    public Deferred<T> Task
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _deferred ??= new Deferred<T>();
    }

    /// <summary>Runs the method until its first incomplete await.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        // AsyncTaskMethodBuilder.Start only saves and restores the thread's contexts around MoveNext; it keeps no state.
        default(AsyncTaskMethodBuilder).Start(ref stateMachine);
    }

    /// <summary>Not used: the state machine is boxed on its first incomplete await.</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Fires the method's Deferred with its result.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetResult(T result)
    {
        if (_deferred is null)
        {
            // Finished without suspending: a Deferred born fired, with no callbacks to run.
            _deferred = new Deferred<T>(result);
            return;
        }

        SetResultSlow(result);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void SetResultSlow(T result)
    {
        if (_deferred!.Called && _deferred.WasCancelled)
        {
            return;
        }

        _deferred.Callback(result);
    }

    /// <summary>Fails the method's Deferred with the exception the method threw.</summary>
    public void SetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (_deferred is null)
        {
            _deferred = new Deferred<T>();
        }
        else if (_deferred.Called && _deferred.WasCancelled)
        {
            if (exception is not OperationCanceledException)
            {
                DeferredLogging.LoggerFactory.CreateLogger(DeferredLogging.Category).LogError(
                    exception, "An async Deferred<{Type}> method failed after its Deferred had been cancelled; the failure has nowhere to go.", typeof(T).Name);
            }

            return;
        }

        _deferred.Errback(exception);
    }

    /// <summary>Schedules the state machine to resume when <paramref name="awaiter"/> completes.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine
    {
        var box = GetBox(ref stateMachine);
        if (awaiter is IDeferredAwaiter)
        {
            box.Await(Unsafe.As<TAwaiter, DeferredAwaiterLayout>(ref awaiter).Deferred);
            return;
        }

        box.AwaitOther();
        awaiter.OnCompleted(box.MoveNextAction);
    }

    /// <summary>Schedules the state machine to resume when <paramref name="awaiter"/> completes.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine
    {
        var box = GetBox(ref stateMachine);
        if (awaiter is IDeferredAwaiter)
        {
            box.Await(Unsafe.As<TAwaiter, DeferredAwaiterLayout>(ref awaiter).Deferred);
            return;
        }

        box.AwaitOther();
        awaiter.UnsafeOnCompleted(box.MoveNextAction);
    }

    private StateMachineBox<TStateMachine, T> GetBox<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        if (_deferred is StateMachineBox<TStateMachine, T> box)
        {
            return box;
        }

        if (_deferred?.CancellerObject is StateMachineBox<TStateMachine, T> separate)
        {
            return separate;
        }

        box = new StateMachineBox<TStateMachine, T>();
        if (_deferred is null)
        {
            _deferred = box;
        }
        else
        {
            // Task was read before the method first suspended (a debugger): that Deferred stays the method's result.
            box.Target = _deferred;
            _deferred.SetCanceller(box);
        }

        // Copy last: the boxed copy must carry the builder fields set above.
        box.StateMachine = stateMachine;
        return box;
    }
}
