using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Tasks;

/// <summary>Deferreds that fire after a delay on an <see cref="IReactorTime"/> (Twisted's <c>task.deferLater</c>).</summary>
public static class ReactorTimeExtensions
{
    /// <summary>
    /// A Deferred that fires with <paramref name="function"/>'s result once <paramref name="delay"/> has passed, or
    /// fails with what it throws. Cancelling it before then cancels the delayed call (the function never runs) and
    /// fails it with <see cref="CancelledException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The delay is negative.</exception>
    public static Deferred<T> DeferLater<T>(this IReactorTime time, TimeSpan delay, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return DeferLater(time, delay, () => Deferred.Succeed(function()));
    }

    /// <summary>
    /// A Deferred that, once <paramref name="delay"/> has passed, calls <paramref name="function"/> and fires with the
    /// result of the Deferred it returns. Cancelling it before the call cancels the delayed call; cancelling it while
    /// it waits on the returned Deferred cancels that one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The delay is negative.</exception>
    public static Deferred<T> DeferLater<T>(this IReactorTime time, TimeSpan delay, Func<Deferred<T>> function)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        IDelayedCall? call = null;
        var timer = new Deferred<Unit>(_ =>
        {
            if (call is { Active: true })
            {
                call.Cancel();
            }
        });
        call = time.CallLater(delay, () => timer.Callback(Unit.Value));
        return timer.AddCallback(_ => function());
    }

    /// <summary>A Deferred that fires (with <see cref="Unit"/>) once <paramref name="delay"/> has passed; cancelling it cancels the delayed call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The delay is negative.</exception>
    public static Deferred<Unit> DeferLater(this IReactorTime time, TimeSpan delay) =>
        DeferLater(time, delay, static () => Unit.Value);
}
