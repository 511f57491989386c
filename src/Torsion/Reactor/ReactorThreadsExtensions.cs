using Torsion.Defer;

namespace Torsion.Reactor;

/// <summary>Helpers on <see cref="IReactorThreads"/>: results across threads.</summary>
public static class ReactorThreadsExtensions
{
    /// <summary>
    /// Runs <paramref name="function"/> on the reactor thread and blocks the calling (non-reactor) thread until it
    /// returns; its exception is rethrown here.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on the reactor thread itself (it would wait for itself forever).</exception>
    public static T BlockingCallFromThread<T>(this IReactorThreads reactor, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(function);
        if (reactor.IsInReactorThread)
        {
            throw new InvalidOperationException("BlockingCallFromThread was called on the reactor thread, which would wait for itself forever: call the function directly.");
        }

        using var done = new ManualResetEventSlim();
        T result = default!;
        Exception? error = null;
        reactor.CallFromThread(() =>
        {
            try
            {
                result = function();
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                done.Set();
            }
        });
        done.Wait();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="function"/> on the reactor's thread pool; the Deferred fires on the reactor thread with
    /// its result or exception. Call it on the reactor thread.
    /// </summary>
    public static Deferred<T> DeferToThread<T>(this IReactorThreads reactor, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(function);
        var deferred = new Deferred<T>();
        reactor.CallInThread(() =>
        {
            try
            {
                var result = function();
                reactor.CallFromThread(() => deferred.Callback(result));
            }
            catch (Exception e)
            {
                reactor.CallFromThread(() => deferred.Errback(e));
            }
        });
        return deferred;
    }

    /// <summary>
    /// Runs <paramref name="function"/> on the reactor thread, waits (blocking this non-reactor thread) for the
    /// Deferred it returns, and returns its result or rethrows its failure.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called on the reactor thread itself.</exception>
    public static T BlockingCallFromThread<T>(this IReactorThreads reactor, Func<Deferred<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        using var done = new ManualResetEventSlim();
        DeferredResult<T> outcome = default;
        reactor.BlockingCallFromThread(() =>
        {
            function().AddBoth(result =>
            {
                outcome = result;
                done.Set();
                return Unit.Value;
            });
            return true;
        });
        done.Wait();
        if (!outcome.Success)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outcome.Error!);
        }

        return outcome.Value;
    }
}
