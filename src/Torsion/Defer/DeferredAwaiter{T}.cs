using System.Runtime.CompilerServices;

namespace Torsion.Defer;

/// <summary>
/// Awaits a <see cref="Deferred{T}"/>. A Deferred that already has its result completes synchronously (no thread hop).
/// Otherwise the continuation runs on the thread that fires the Deferred, inside its callback chain at the point
/// where the await was added; if a <see cref="SynchronizationContext"/> was current at the await and a different one
/// (or none) is current when the Deferred fires, the continuation is posted to the captured context instead.
/// Awaiting handles a failure: it is thrown at the await and not logged as unhandled.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public readonly struct DeferredAwaiter<T> : ICriticalNotifyCompletion, IDeferredAwaiter
{
    // Must stay the only field: DeferredMethodBuilder reads it through DeferredAwaiterLayout.
    private readonly Deferred<T> _deferred;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal DeferredAwaiter(Deferred<T> deferred)
    {
        _deferred = deferred;
    }

    /// <summary>True if the Deferred has fired and all its callbacks have run.</summary>
    public bool IsCompleted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _deferred.IsFinalOwner || _deferred.IsFinal;
    }

    /// <summary>Returns the value, or throws the failure (which counts as handled).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T GetResult() => _deferred.GetAwaitResult();

    /// <summary>Schedules <paramref name="continuation"/> for when the Deferred fires, flowing the ExecutionContext.</summary>
    public void OnCompleted(Action continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var context = ExecutionContext.Capture();
        if (context is null)
        {
            _deferred.AddAwaitContinuation(continuation);
            return;
        }

        _deferred.AddAwaitContinuation(() => ExecutionContext.Run(context, static s => ((Action)s!)(), continuation));
    }

    /// <summary>Schedules <paramref name="continuation"/> for when the Deferred fires, without flowing the ExecutionContext.</summary>
    public void UnsafeOnCompleted(Action continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        _deferred.AddAwaitContinuation(continuation);
    }
}

/// <summary>Marks <see cref="DeferredAwaiter{T}"/> so the method builder can recognise it without boxing.</summary>
internal interface IDeferredAwaiter;

/// <summary>The layout of every <see cref="DeferredAwaiter{T}"/>: one reference to the Deferred.</summary>
internal struct DeferredAwaiterLayout
{
    public Deferred Deferred;
}
