using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Transports.Tcp;

namespace Torsion.Reactor;

/// <summary>
/// What every reactor shares: the loop, timers, calls from other threads, the thread pool, system events,
/// shutdown, and the batch flush of writes. Subclasses supply readiness (<see cref="EpollReactor"/>,
/// <see cref="SelectReactor"/>).
/// </summary>
public abstract unsafe partial class ReactorBase : IReactor, IDisposable
{
    private const int StateNotStarted = 0;
    private const int StateRunning = 1;
    private const int StateStopping = 2;
    private const int StateStopped = 3;

    private readonly ConcurrentQueue<Action> _threadCalls = new();
    private readonly ReactorThreadPool _pool;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly Dictionary<SystemEventType, List<SystemEventTrigger>> _triggers = new()
    {
        [SystemEventType.Startup] = [],
        [SystemEventType.Shutdown] = [],
    };

    private List<IBatchFlush> _flushList = new(64);
    private List<IBatchFlush> _flushing = new(64);
    private int _wakePending;
    private int _threadId;
    private int _state;
    private bool _exit;
    private Action? _onConnectionsClosed;
    private SynchronizationContext? _syncContext;

    private protected ReactorBase(ReactorOptions? options)
    {
        Options = options ?? new ReactorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.ReadBufferSize, 1024, nameof(options));
        Logger = Options.LoggerFactory?.CreateLogger(GetType().FullName!) ?? NullLogger.Instance;
        ReadBuffer = GC.AllocateArray<byte>(Options.ReadBufferSize, pinned: true);
        fixed (byte* p = ReadBuffer)
        {
            ReadBufferPointer = p;
        }

        _pool = new ReactorThreadPool(this, Options.ThreadPoolSize);
        _threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>The settings this reactor was made with.</summary>
    public ReactorOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>The one pinned buffer every read on this reactor goes into; valid only during one DoRead.</summary>
    internal byte[] ReadBuffer { get; }

    internal byte* ReadBufferPointer { get; }

    internal TimerQueue Timers { get; } = new();

    internal HashSet<IReactorConnection> Connections { get; } = [];

    internal HashSet<IListeningPort> Ports { get; } = [];

    /// <inheritdoc />
    public bool Running => Volatile.Read(ref _state) is StateRunning or StateStopping;

    /// <inheritdoc />
    public bool IsInReactorThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>True while the shutdown runs (connections are being closed).</summary>
    internal bool IsStopping => _state == StateStopping;

    /// <summary>True once <see cref="Run"/> has returned (its shutdown closed every port and connection).</summary>
    internal bool HasStopped => Volatile.Read(ref _state) == StateStopped;

    // ---- core ----

    /// <inheritdoc />
    public void Run()
    {
        EnterRunningState();
        RunLoop();
    }

    /// <summary>Moves the reactor from not-started to running, or says why it cannot run.</summary>
    private protected void EnterRunningState()
    {
        if (Interlocked.CompareExchange(ref _state, StateRunning, StateNotStarted) != StateNotStarted)
        {
            throw new InvalidOperationException(_state == StateStopped
                ? "This reactor has run and stopped already; a reactor cannot be restarted: make a new one."
                : "This reactor is running already.");
        }
    }

    /// <summary>
    /// Runs the loop on the calling thread until the reactor stops; a reactor driven by a foreign loop (GLib, a
    /// <see cref="SynchronizationContext"/>) overrides this and calls <see cref="BeginRunning"/>,
    /// <see cref="RunBatch"/> and <see cref="EndRunning"/> from that loop.
    /// </summary>
    private protected virtual void RunLoop()
    {
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(SynchronizationContextForCallbacks);
        try
        {
            BeginRunning();
            while (!_exit)
            {
                RunOnce();
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
            EndRunning();
        }
    }

    /// <summary>The context installed while protocol code runs, so that <c>await</c> comes back to this reactor.</summary>
    private protected SynchronizationContext SynchronizationContextForCallbacks => _syncContext ??= new ReactorSynchronizationContext(this);

    /// <summary>Makes the calling thread the reactor thread and fires the startup event; called once, on that thread.</summary>
    private protected void BeginRunning()
    {
        _threadId = Environment.CurrentManagedThreadId;
        FireSystemEvent(SystemEventType.Startup, null);
    }

    /// <summary>Marks the reactor stopped and stops its thread pool.</summary>
    private protected void EndRunning()
    {
        _state = StateStopped;
        _pool.Stop(Options.ShutdownTimeout);
    }

    /// <summary>True once the shutdown finished and the loop should return.</summary>
    private protected bool ExitRequested => _exit;

    /// <summary>True while a foreign loop runs a batch (<see cref="RunBatch"/>) on the reactor thread.</summary>
    private protected bool InBatch { get; private set; }

    /// <summary>
    /// Runs one batch for a foreign loop, on the reactor thread: <paramref name="dispatch"/> (readiness callbacks),
    /// then calls from other threads, due timers, and the flush of the writes the batch made.
    /// </summary>
    private protected void RunBatch<TState>(Action<TState> dispatch, TState state)
    {
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(SynchronizationContextForCallbacks);
        InBatch = true;
        try
        {
            dispatch(state);
            RunThreadCalls();
            RunTimers();
            FlushPending();
        }
        finally
        {
            InBatch = false;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    /// <summary>How long the loop may sleep before the next batch is due: 0 (work is waiting), -1 (no timer), or ms.</summary>
    private protected int NextTimeoutMs()
    {
        if (!_threadCalls.IsEmpty || _flushList.Count > 0 || _exit)
        {
            return 0;
        }

        var next = Timers.NextTime;
        if (double.IsPositiveInfinity(next))
        {
            return -1;
        }

        var ms = Math.Ceiling((next - Seconds()) * 1000);
        return ms <= 0 ? 0 : ms > int.MaxValue ? int.MaxValue : (int)ms;
    }

    /// <summary>
    /// Called when the reactor thread queues work (a timer, a flush, a call) outside a loop iteration; a foreign
    /// loop that sleeps with a computed timeout wakes itself here. The built-in loops never sleep at such moments.
    /// </summary>
    private protected virtual void WorkQueuedOutsideBatch()
    {
    }

    /// <summary>Tells a foreign loop that reactor-thread work was queued, if no batch is running to pick it up.</summary>
    internal void NoteWorkQueued()
    {
        if (!InBatch && IsInReactorThread)
        {
            WorkQueuedOutsideBatch();
        }
    }

    /// <inheritdoc />
    public void Stop()
    {
        if (_state != StateRunning)
        {
            throw new InvalidOperationException(_state == StateStopping
                ? "The reactor is stopping already."
                : "The reactor is not running, so it cannot be stopped.");
        }

        if (!IsInReactorThread)
        {
            CallFromThread(() =>
            {
                if (_state == StateRunning)
                {
                    Stop();
                }
            });
            return;
        }

        _state = StateStopping;
        FireSystemEvent(SystemEventType.Shutdown, () => _exit = true);
    }

    /// <inheritdoc />
    public void CallWhenRunning(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (_state == StateRunning)
        {
            if (IsInReactorThread)
            {
                action();
            }
            else
            {
                CallFromThread(action);
            }

            return;
        }

        AddSystemEventTrigger(SystemEventPhase.After, SystemEventType.Startup, action);
    }

    /// <inheritdoc />
    public object AddSystemEventTrigger(SystemEventPhase phase, SystemEventType eventType, Action trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return AddTrigger(new SystemEventTrigger(phase, eventType, trigger.Method.Name, _ => trigger()));
    }

    /// <inheritdoc />
    public object AddSystemEventTrigger<T>(SystemEventPhase phase, SystemEventType eventType, Func<Deferred<T>?> trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return AddTrigger(new SystemEventTrigger(phase, eventType, trigger.Method.Name, barrier =>
        {
            var deferred = trigger();
            if (deferred is null)
            {
                return;
            }

            barrier.Enter();
            deferred.AddBoth(result =>
            {
                if (!result.Success)
                {
                    ReactorLog.CallbackFailed(Logger, $"The Deferred of the {phase} {eventType} trigger {trigger.Method.Name}", result.Error!);
                }

                barrier.Leave();
                return Unit.Value;
            });
        }));
    }

    /// <inheritdoc />
    public void RemoveSystemEventTrigger(object handle)
    {
        if (handle is not SystemEventTrigger trigger || !_triggers[trigger.EventType].Remove(trigger))
        {
            throw new ArgumentException("This is not a system event trigger of this reactor, or it was removed already.", nameof(handle));
        }
    }

    private SystemEventTrigger AddTrigger(SystemEventTrigger trigger)
    {
        CheckThread(nameof(AddSystemEventTrigger));
        _triggers[trigger.EventType].Add(trigger);
        return trigger;
    }

    /// <summary>Runs the three phases of a system event in order, then <paramref name="done"/>.</summary>
    private void FireSystemEvent(SystemEventType eventType, Action? done)
    {
        var triggers = _triggers[eventType].ToArray();
        RunPhase(0);

        void RunPhase(int phaseIndex)
        {
            if (phaseIndex > (int)SystemEventPhase.After)
            {
                done?.Invoke();
                return;
            }

            var phase = (SystemEventPhase)phaseIndex;
            var barrier = new PhaseBarrier(() => RunPhase(phaseIndex + 1));
            foreach (var trigger in triggers)
            {
                if (trigger.Phase != phase)
                {
                    continue;
                }

                try
                {
                    trigger.Run(barrier);
                }
                catch (Exception e)
                {
                    ReactorLog.CallbackFailed(Logger, $"The {phase} {eventType} trigger {trigger.Name}", e);
                }
            }

            if (eventType == SystemEventType.Shutdown && phase == SystemEventPhase.During)
            {
                barrier.Enter();
                CloseEverything(barrier.Leave);
            }

            barrier.Arm();
        }
    }

    /// <summary>Shutdown's own work: stop listening, let connections finish (bounded), then abort the rest.</summary>
    private void CloseEverything(Action done)
    {
        foreach (var port in Ports.ToArray())
        {
            try
            {
                port.StopListening();
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(Logger, $"Stopping {port}", e);
            }
        }

        if (Connections.Count == 0)
        {
            done();
            return;
        }

        IDelayedCall? timeout = null;
        _onConnectionsClosed = () =>
        {
            _onConnectionsClosed = null;
            if (timeout is { Active: true })
            {
                timeout.Cancel();
            }

            done();
        };
        timeout = CallLater(Options.ShutdownTimeout, () =>
        {
            ReactorLog.ShutdownAborting(Logger, Connections.Count, (int)Options.ShutdownTimeout.TotalMilliseconds);
            foreach (var connection in Connections.ToArray())
            {
                connection.AbortConnection();
            }
        });
        foreach (var connection in Connections.ToArray())
        {
            connection.LoseConnection();
        }
    }

    internal void AddConnection(IReactorConnection connection) => Connections.Add(connection);

    internal void RemoveConnection(IReactorConnection connection)
    {
        if (Connections.Remove(connection) && Connections.Count == 0)
        {
            _onConnectionsClosed?.Invoke();
        }
    }

    // ---- time ----

    /// <inheritdoc />
    public double Seconds() => (Stopwatch.GetTimestamp() - _startTimestamp) / (double)Stopwatch.Frequency;

    /// <inheritdoc />
    public IDelayedCall CallLater(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        CheckThread(nameof(CallLater));
        var call = new DelayedCall(this, Seconds() + delay.TotalSeconds, action);
        Timers.Add(call);
        NoteWorkQueued();
        return call;
    }

    // ---- threads ----

    /// <inheritdoc />
    public void CallFromThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _threadCalls.Enqueue(action);
        if (!IsInReactorThread)
        {
            if (Interlocked.Exchange(ref _wakePending, 1) == 0)
            {
                Wake();
            }
        }
        else
        {
            NoteWorkQueued();
        }
    }

    /// <inheritdoc />
    public void CallInThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _pool.Queue(action);
    }

    /// <inheritdoc />
    public void SuggestThreadPoolSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _pool.MaxThreads = size;
    }

    // ---- descriptors ----

    /// <inheritdoc />
    public abstract void AddReader(IReadDescriptor reader);

    /// <inheritdoc />
    public abstract void AddWriter(IWriteDescriptor writer);

    /// <inheritdoc />
    public abstract void RemoveReader(IReadDescriptor reader);

    /// <inheritdoc />
    public abstract void RemoveWriter(IWriteDescriptor writer);

    /// <inheritdoc />
    public abstract IReadOnlyList<IDescriptor> RemoveAll();

    /// <inheritdoc />
    public abstract IReadOnlyList<IReadDescriptor> GetReaders();

    /// <inheritdoc />
    public abstract IReadOnlyList<IWriteDescriptor> GetWriters();

    // ---- TCP ----

    /// <inheritdoc />
    public IListeningPort ListenTcp(int port, IProtocolFactory factory, int backlog = 50, string? interfaceAddress = null)
    {
        CheckThread(nameof(ListenTcp));
        return TcpPort.Listen(this, port, factory, backlog, interfaceAddress, reusePort: false);
    }

    /// <summary>Listens with SO_REUSEPORT so that several reactors (a <see cref="ReactorGroup"/>) share a port.</summary>
    internal IListeningPort ListenTcpReusePort(int port, IProtocolFactory factory, int backlog, string? interfaceAddress)
    {
        CheckThread(nameof(ListenTcp));
        return TcpPort.Listen(this, port, factory, backlog, interfaceAddress, reusePort: true);
    }

    /// <inheritdoc />
    public IConnector ConnectTcp(string host, int port, ClientFactory factory, TimeSpan? timeout = null, IPEndPoint? bindAddress = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        CheckThread(nameof(ConnectTcp));
        var connector = new TcpConnector(this, host, port, factory, timeout ?? TimeSpan.FromSeconds(30), bindAddress);
        connector.Connect();
        return connector;
    }

    // ---- adopted sockets ----

    /// <inheritdoc />
    public IListeningPort AdoptStreamPort(int fileDescriptor, System.Net.Sockets.AddressFamily addressFamily, IProtocolFactory factory)
    {
        CheckThread(nameof(AdoptStreamPort));
        return TcpPort.Adopt(this, fileDescriptor, addressFamily, factory);
    }

    /// <summary>Releases the epoll descriptor, wake-up descriptors and such. Call after <see cref="Run"/> returned.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the reactor's own descriptors.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeProcesses();
        }
    }

    private sealed class SystemEventTrigger(SystemEventPhase phase, SystemEventType eventType, string name, Action<PhaseBarrier> run)
    {
        public SystemEventPhase Phase { get; } = phase;

        public SystemEventType EventType { get; } = eventType;

        public string Name { get; } = name;

        public void Run(PhaseBarrier barrier) => run(barrier);
    }

    /// <summary>Counts the unfinished triggers of a phase; calls the next phase when the count reaches zero after arming.</summary>
    private sealed class PhaseBarrier(Action next)
    {
        private int _pending = 1;

        public void Enter() => _pending++;

        public void Leave()
        {
            if (--_pending == 0)
            {
                next();
            }
        }

        public void Arm() => Leave();
    }
}
