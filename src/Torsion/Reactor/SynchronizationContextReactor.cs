namespace Torsion.Reactor;

/// <summary>
/// A reactor whose callbacks all run on a foreign <see cref="SynchronizationContext"/> (a GUI thread), as Twisted's
/// threadedselect reactor: a background watcher thread waits for readiness with epoll and <see cref="SynchronizationContext.Post"/>s
/// each batch (protocol events, due timers, calls from other threads, the flush of writes) to the context, then
/// waits for the batch to finish before it waits again, so that no descriptor is reported twice.
/// The context's thread is this reactor's thread: transports, timers and <see cref="IReactorCore.Stop"/> are used from it.
/// </summary>
/// <remarks>
/// Start it with <see cref="Start"/> from the context's own thread (a GUI application's startup code), which returns
/// at once; or with <see cref="ReactorBase.Run"/> from any other thread, which blocks until the reactor stopped.
/// </remarks>
public sealed class SynchronizationContextReactor : ReactorBase
{
    private readonly SynchronizationContext _context;
    private readonly EpollSet _set;
    private readonly SemaphoreSlim _batchDone = new(0, 1);
    private readonly ManualResetEventSlim _stopped = new();
    private readonly SendOrPostCallback _runBatch;
    private readonly Action<SynchronizationContextReactor> _dispatch;
    private Thread? _watcher;
    private int _pendingEvents;
    private volatile int _nextTimeoutMs = -1;
    private volatile bool _finished;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Makes a reactor whose callbacks run on <paramref name="context"/> (e.g. a WPF/WinForms/Avalonia/GTK dispatcher).</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (the watcher uses epoll).</exception>
    public SynchronizationContextReactor(SynchronizationContext context, ReactorOptions? options = null)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("SynchronizationContextReactor watches descriptors with epoll and runs on Linux only.");
        }

        _context = context;
        _set = new EpollSet();
        _runBatch = static state => ((SynchronizationContextReactor)state!).RunPostedBatch();
        _dispatch = static self => self._set.Dispatch(self, self._pendingEvents);
    }

    /// <summary>The context every callback of this reactor is posted to.</summary>
    public SynchronizationContext Context => _context;

    /// <summary>
    /// Starts the reactor without blocking: the startup event and every later callback run on the context. Call it
    /// once, instead of <see cref="ReactorBase.Run"/>, typically from the context's thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reactor runs or ran already.</exception>
    public void Start()
    {
        EnterRunningState();
        Launch();
    }

    /// <summary>Starts the reactor and blocks the calling thread, which must not be the context's, until it stopped.</summary>
    private protected override void RunLoop()
    {
        if (SynchronizationContext.Current == _context)
        {
            throw new InvalidOperationException(
                "Run() was called on the thread of the reactor's SynchronizationContext, which would block the very thread " +
                "that must run the callbacks: call Start() there instead.");
        }

        Launch();
        _stopped.Wait();
        if (_failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }
    }

    private void Launch()
    {
        _watcher = new Thread(Watch) { IsBackground = true, Name = "Torsion readiness watcher" };
        if (SynchronizationContext.Current == _context)
        {
            // Start() on the context's thread: that thread is the reactor thread from now on, so code right after
            // Start() (listening, adding triggers) may use the reactor at once.
            RunStartupBatch();
        }
        else
        {
            _context.Post(static state => ((SynchronizationContextReactor)state!).RunStartupBatch(), this);
        }

        _watcher.Start();
    }

    private void RunStartupBatch()
    {
        try
        {
            RunBatch(static self => self.BeginRunning(), this);
        }
        catch (Exception e)
        {
            Fail(e);
        }

        EndBatch();
    }

    private void RunPostedBatch()
    {
        try
        {
            RunBatch(_dispatch, this);
        }
        catch (Exception e)
        {
            Fail(e);
        }

        EndBatch();
    }

    private void Fail(Exception e)
    {
        ReactorLog.CallbackFailed(Logger, "A batch posted to the SynchronizationContext", e);
        _failure ??= e;
    }

    /// <summary>On the context thread: decide the next wait, finish if the shutdown is over, release the watcher.</summary>
    private void EndBatch()
    {
        _nextTimeoutMs = NextTimeoutMs();
        if ((ExitRequested || _failure is not null) && !_finished)
        {
            _finished = true;
            EndRunning();
            _stopped.Set();
        }

        _batchDone.Release();
    }

    /// <summary>The watcher thread: wait, post the batch, wait for it, again, until the reactor finished.</summary>
    private void Watch()
    {
        _batchDone.Wait();
        while (!_finished)
        {
            int count;
            try
            {
                count = _set.Wait(_nextTimeoutMs);
            }
            catch (Exception e)
            {
                _failure ??= e;
                ReactorLog.CallbackFailed(Logger, "The readiness watcher", e);
                _context.Post(static state => ((SynchronizationContextReactor)state!).RunPostedBatch(), this);
                _batchDone.Wait();
                return;
            }

            if (_finished)
            {
                return;
            }

            _pendingEvents = count;
            _context.Post(_runBatch, this);
            _batchDone.Wait();
        }
    }

    /// <inheritdoc />
    public override void AddReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(AddReader));
        _set.AddReader(reader);
    }

    /// <inheritdoc />
    public override void AddWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(AddWriter));
        _set.AddWriter(writer);
    }

    /// <inheritdoc />
    public override void RemoveReader(IReadDescriptor reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        CheckThread(nameof(RemoveReader));
        _set.RemoveReader(reader);
    }

    /// <inheritdoc />
    public override void RemoveWriter(IWriteDescriptor writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        CheckThread(nameof(RemoveWriter));
        _set.RemoveWriter(writer);
    }

    /// <inheritdoc />
    public override IReadOnlyList<IDescriptor> RemoveAll()
    {
        CheckThread(nameof(RemoveAll));
        return _set.RemoveAll();
    }

    /// <inheritdoc />
    public override IReadOnlyList<IReadDescriptor> GetReaders() => _set.GetReaders();

    /// <inheritdoc />
    public override IReadOnlyList<IWriteDescriptor> GetWriters() => _set.GetWriters();

    private protected override void Poll(int timeoutMs) =>
        throw new InvalidOperationException("A SynchronizationContextReactor is driven by its watcher thread, not by Poll.");

    private protected override void Wake() => _set.Wake();

    // A timer, flush or call queued by code on the context thread outside a batch (a button's handler): the
    // watcher sleeps with a timeout computed earlier, so wake it to post a batch that sees the new work.
    private protected override void WorkQueuedOutsideBatch() => _set.Wake();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            if (_watcher is { IsAlive: true })
            {
                _finished = true;
                _set.Wake();
                _watcher.Join(TimeSpan.FromSeconds(5));
            }

            _set.Dispose();
            _batchDone.Dispose();
            _stopped.Dispose();
        }

        base.Dispose(disposing);
    }
}
