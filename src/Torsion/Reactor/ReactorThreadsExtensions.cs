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
}
