using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// One graceful shutdown of an <see cref="HttpServerFactory"/>: counts the connections still open, fires the waiting
/// Deferreds on the caller's reactor thread once they are all closed, or at the timeout, when it also aborts the rest.
/// Connections close on their own reactor threads (a <see cref="ReactorGroup"/>), so the count is atomic and every
/// Deferred and timer stays on the caller's thread.
/// </summary>
internal sealed class HttpServerDrain
{
    private readonly IReactorTime _caller;
    private readonly Func<IHttpServerConnection[]> _remaining;
    private readonly Lock _lock = new();
    private readonly List<Deferred<Unit>> _waiters = [];
    private int _pending = 1;
    private bool _fired;
    private IDelayedCall? _timer;

    /// <param name="caller">Where the Deferreds fire and the timeout runs.</param>
    /// <param name="remaining">The connections still open (aborted at the timeout).</param>
    public HttpServerDrain(IReactorTime caller, Func<IHttpServerConnection[]> remaining)
    {
        _caller = caller;
        _remaining = remaining;
    }

    /// <summary>Runs <paramref name="action"/> on <paramref name="time"/>'s reactor thread (at once when already there, or for a test Clock).</summary>
    public static void OnThread(IReactorTime time, Action action)
    {
        if (time is IReactorThreads threads && !threads.IsInReactorThread)
        {
            threads.CallFromThread(action);
        }
        else
        {
            action();
        }
    }

    /// <summary>A Deferred that fires when the shutdown is over (on the caller's thread).</summary>
    public Deferred<Unit> Wait()
    {
        var done = new Deferred<Unit>();
        lock (_lock)
        {
            if (!_fired)
            {
                _waiters.Add(done);
                return done;
            }
        }

        done.Callback(Unit.Value);
        return done;
    }

    /// <summary>Counts one more connection that has to close.</summary>
    public void Add() => Interlocked.Increment(ref _pending);

    /// <summary>One counted connection closed (any thread).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            OnThread(_caller, () => Fire(abort: false));
        }
    }

    /// <summary>Drains <paramref name="connections"/>, each reactor's on its own thread, and starts the timeout; call on the caller's thread.</summary>
    public void Start(IHttpServerConnection[] connections, TimeSpan timeout)
    {
        if (connections.Length > 0)
        {
            _timer = _caller.CallLater(timeout, () =>
            {
                _timer = null;
                Fire(abort: true);
            });
        }

        foreach (var group in connections.GroupBy(c => c.Time))
        {
            var mine = group.ToArray();
            OnThread(group.Key, () =>
            {
                foreach (var connection in mine)
                {
                    connection.Drain();
                }
            });
        }

        Release();
    }

    private void Fire(bool abort)
    {
        Deferred<Unit>[] waiters;
        lock (_lock)
        {
            if (_fired)
            {
                return;
            }

            _fired = true;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        if (_timer is { Active: true })
        {
            _timer.Cancel();
        }

        _timer = null;
        if (abort)
        {
            foreach (var group in _remaining().GroupBy(c => c.Time))
            {
                var mine = group.ToArray();
                OnThread(group.Key, () =>
                {
                    foreach (var connection in mine)
                    {
                        connection.Abort();
                    }
                });
            }
        }

        foreach (var waiter in waiters)
        {
            waiter.Callback(Unit.Value);
        }
    }
}
