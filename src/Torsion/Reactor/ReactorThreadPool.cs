namespace Torsion.Reactor;

/// <summary>
/// The bounded pool behind <see cref="IReactorThreads.CallInThread"/>: at most <see cref="MaxThreads"/> threads,
/// started on demand, FIFO work queue. Blocking work goes here, never on the reactor thread.
/// </summary>
internal sealed class ReactorThreadPool(ReactorBase reactor, int maxThreads)
{
    private readonly Queue<Action> _work = new();
    private readonly object _gate = new();
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

    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void StartThreadsIfNeeded()
    {
        while (_threads < maxThreads && _work.Count > _idle)
        {
            _threads++;
            var thread = new Thread(Work) { IsBackground = true, Name = $"Torsion pool {_threads}" };
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
