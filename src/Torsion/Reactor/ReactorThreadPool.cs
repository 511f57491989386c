namespace Torsion.Reactor;

/// <summary>
/// The bounded pool behind <see cref="IReactorThreads.CallInThread"/>: at most <see cref="MaxThreads"/> threads,
/// started on demand, FIFO work queue. Blocking work goes here, never on the reactor thread.
/// </summary>
internal sealed class ReactorThreadPool(ReactorBase reactor, int maxThreads)
{
    private readonly Queue<Action> _work = new();
    private readonly object _gate = new();
    private readonly List<Thread> _running = [];
    private int _threads;
    private int _idle;
    private bool _stopped;

    public int MaxThreads
    {
        get
        {
            lock (_gate)
            {
                return maxThreads;
            }
        }

        set
        {
            lock (_gate)
            {
                maxThreads = value;
                StartThreadsIfNeeded();
            }
        }
    }

    public void Queue(Action action)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                throw new InvalidOperationException("The reactor's thread pool is stopped: the reactor has shut down.");
            }

            _work.Enqueue(action);
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
            else
            {
                StartThreadsIfNeeded();
            }
        }
    }

    /// <summary>
    /// Refuses new work and waits up to <paramref name="timeout"/> for the threads to finish what they run; a thread
    /// still busy then is left to finish on its own (it is a background thread) and logged.
    /// </summary>
    public void Stop(TimeSpan timeout)
    {
        Thread[] threads;
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
            threads = [.. _running];
        }

        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var busy = 0;
        foreach (var thread in threads)
        {
            if (thread != Thread.CurrentThread && !thread.Join(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64))))
            {
                busy++;
            }
        }

        if (busy > 0)
        {
            ReactorLog.ThreadPoolBusy(reactor.Logger, busy, (int)timeout.TotalMilliseconds);
        }
    }

    private void StartThreadsIfNeeded()
    {
        while (_threads < maxThreads && _work.Count > _idle)
        {
            _threads++;
            var thread = new Thread(Work) { IsBackground = true, Name = $"Torsion pool {_threads}" };
            _running.Add(thread);
            thread.Start();
            _idle++;
        }
    }

    private void Work()
    {
        while (true)
        {
            Action action;
            lock (_gate)
            {
                while (_work.Count == 0 && !_stopped && _threads <= maxThreads)
                {
                    Monitor.Wait(_gate);
                }

                if (_work.Count == 0 || _threads > maxThreads)
                {
                    _threads--;
                    _idle--;
                    _running.Remove(Thread.CurrentThread);
                    return;
                }

                action = _work.Dequeue();
                _idle--;
            }

            try
            {
                action();
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(reactor.Logger, "Work given to CallInThread", e);
            }

            lock (_gate)
            {
                _idle++;
            }
        }
    }
}
