using System.Net;
using Torsion.Defer;
using Torsion.Protocols;

namespace Torsion.Reactor;

/// <summary>
/// N reactors on N threads (default: one per core). A port opened on the group binds one SO_REUSEPORT socket per
/// reactor, so the kernel spreads connections; each connection lives on one reactor for life, so protocol code stays
/// single-threaded. Factories given to a group are called from every reactor thread and must be thread-safe.
/// </summary>
public sealed class ReactorGroup : IDisposable
{
    private readonly ReactorBase[] _reactors;
    private readonly Thread[] _threads;
    private int _next;
    private bool _started;

    /// <summary>Makes <paramref name="count"/> reactors (0: <see cref="Environment.ProcessorCount"/>) of <paramref name="kind"/>.</summary>
    public ReactorGroup(int count = 0, ReactorKind? kind = null, ReactorOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            count = Environment.ProcessorCount;
        }

        _reactors = new ReactorBase[count];
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _reactors[i] = ReactorFactory.Create(kind, options);
            var reactor = _reactors[i];
            _threads[i] = new Thread(reactor.Run) { Name = $"Torsion reactor {i}", IsBackground = true };
        }
    }

    /// <summary>The reactors of the group.</summary>
    public IReadOnlyList<ReactorBase> Reactors => _reactors;

    /// <summary>Starts every reactor on its own thread and returns.</summary>
    /// <exception cref="InvalidOperationException">The group was started already.</exception>
    public void Start()
    {
        if (_started)
        {
            throw new InvalidOperationException("The reactor group was started already.");
        }

        _started = true;
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Starts the reactors and blocks until all of them have stopped.</summary>
    public void Run()
    {
        Start();
        Join();
    }

    /// <summary>Blocks until every reactor has stopped.</summary>
    public void Join()
    {
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    /// <summary>Blocks until every reactor has stopped or <paramref name="timeout"/> passed; true if all stopped.</summary>
    public bool Join(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var thread in _threads)
        {
            var left = deadline - DateTime.UtcNow;
            if (!thread.Join(left < TimeSpan.Zero ? TimeSpan.Zero : left))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stops every reactor (each finishes its connections as <see cref="IReactorCore.Stop"/> does). Callable from any thread.</summary>
    public void Stop()
    {
        foreach (var reactor in _reactors)
        {
            reactor.CallFromThread(() =>
            {
                if (reactor.Running && !reactor.IsStopping)
                {
                    reactor.Stop();
                }
            });
        }
    }

    /// <summary>The next reactor in turn, e.g. for an outgoing connection.</summary>
    public ReactorBase Next() => _reactors[(int)((uint)Interlocked.Increment(ref _next) % (uint)_reactors.Length)];

    /// <summary>Listens on every reactor with one SO_REUSEPORT socket each, all on the same port (chosen once if 0).</summary>
    /// <exception cref="Torsion.Transports.CannotListenException">The address is in use or cannot be bound.</exception>
    public IListeningPort ListenTcp(int port, IProtocolFactory factory, int backlog = 50, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var ports = new IListeningPort[_reactors.Length];
        try
        {
            for (var i = 0; i < _reactors.Length; i++)
            {
                var reactor = _reactors[i];
                var p = port;
                ports[i] = OnReactor(reactor, () => reactor.ListenTcpReusePort(p, factory, backlog, interfaceAddress));
                port = ((IPEndPoint)ports[i].Host).Port;
            }
        }
        catch
        {
            for (var i = 0; i < ports.Length; i++)
            {
                if (ports[i] is { } opened)
                {
                    OnReactor(_reactors[i], () =>
                    {
                        opened.StopListening();
                        return true;
                    });
                }
            }

            throw;
        }

        return new GroupPort(this, ports);
    }

    private T OnReactor<T>(ReactorBase reactor, Func<T> function) =>
        _started && !reactor.IsInReactorThread ? reactor.BlockingCallFromThread(function) : function();

    /// <summary>Releases every reactor; call after they stopped.</summary>
    public void Dispose()
    {
        foreach (var reactor in _reactors)
        {
            reactor.Dispose();
        }
    }

    private sealed class GroupPort(ReactorGroup group, IListeningPort[] ports) : IListeningPort
    {
        public EndPoint Host => ports[0].Host;

        /// <summary>
        /// Stops every reactor's socket, each on its own reactor thread, without blocking any of them. The Deferred fires
        /// once all are closed: on the calling reactor's thread when called from one of the group's reactors, else on
        /// the thread of the reactor that closed its socket last (at once when the group is not running).
        /// </summary>
        public Deferred<Unit> StopListening()
        {
            var done = new Deferred<Unit>();
            var caller = group._reactors.FirstOrDefault(r => r.IsInReactorThread);
            var pending = ports.Length;
            Exception? firstError = null;

            void Closed(Exception? error)
            {
                if (error is not null)
                {
                    Interlocked.CompareExchange(ref firstError, error, null);
                }

                if (Interlocked.Decrement(ref pending) != 0)
                {
                    return;
                }

                void Fire()
                {
                    if (firstError is { } failure)
                    {
                        done.Errback(failure);
                    }
                    else
                    {
                        done.Callback(Unit.Value);
                    }
                }

                if (caller is null || caller.IsInReactorThread)
                {
                    Fire();
                }
                else
                {
                    caller.CallFromThread(Fire);
                }
            }

            for (var i = 0; i < ports.Length; i++)
            {
                var port = ports[i];
                var reactor = group._reactors[i];

                void Stop()
                {
                    try
                    {
                        port.StopListening().AddBoth(result =>
                        {
                            Closed(result.Success ? null : result.Error);
                            return Unit.Value;
                        });
                    }
                    catch (Exception e)
                    {
                        Closed(e);
                    }
                }

                if (reactor.HasStopped)
                {
                    Closed(null); // its shutdown closed the socket already
                }
                else if (group._started && !reactor.IsInReactorThread)
                {
                    reactor.CallFromThread(Stop);
                }
                else
                {
                    Stop();
                }
            }

            return done;
        }

        public override string ToString() => $"TCP port {Host} on {ports.Length} reactors";
    }
}
