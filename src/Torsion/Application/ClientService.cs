using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Application;

/// <summary>
/// Keeps one connection up through a client endpoint while it runs (Twisted's <c>ClientService</c>): connects on
/// start, reconnects after a failure or a lost connection with exponential back-off, and hands out the live protocol
/// with <see cref="WhenConnected"/>. Stopping disconnects and stops retrying.
/// </summary>
public sealed class ClientService : Service
{
    private readonly IReactorTime _clock;
    private readonly Func<int, TimeSpan> _retryPolicy;
    private readonly List<Deferred<IProtocol>> _waiters = [];
    private Deferred<IProtocol>? _connecting;
    private IDelayedCall? _retry;
    private IProtocol? _protocol;
    private IProtocol? _observed;
    private Deferred<Unit>? _stopped;
    private int _failures;

    /// <summary>A service that connects <paramref name="factory"/>'s protocols through <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">Where to connect.</param>
    /// <param name="factory">Builds the protocol of each connection.</param>
    /// <param name="clock">Times the retries.</param>
    /// <param name="retryPolicy">The delay before retry N (1 = after the first failure); default <see cref="BackoffPolicy"/>().</param>
    public ClientService(IStreamClientEndpoint endpoint, IProtocolFactory factory, IReactorTime clock, Func<int, TimeSpan>? retryPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(clock);
        Endpoint = endpoint;
        Factory = factory;
        _clock = clock;
        _retryPolicy = retryPolicy ?? BackoffPolicy();
    }

    /// <summary>Where it connects.</summary>
    public IStreamClientEndpoint Endpoint { get; }

    /// <summary>What builds the protocols.</summary>
    public IProtocolFactory Factory { get; }

    /// <summary>The failed attempts since the last connection.</summary>
    public int Failures => _failures;

    /// <summary>The error of the last failed attempt or lost connection, if any.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>
    /// Twisted's back-off: min(<paramref name="initialDelay"/> × <paramref name="factor"/>^(n-1), <paramref name="maxDelay"/>)
    /// plus a random jitter up to <paramref name="jitter"/>, so that many clients do not retry in step.
    /// </summary>
    /// <param name="initialDelay">The first delay (default 1 s).</param>
    /// <param name="factor">The growth per failure (default 1.5).</param>
    /// <param name="maxDelay">The longest delay before jitter (default 60 s).</param>
    /// <param name="jitter">The largest random addition (default 1 s).</param>
    /// <param name="random">A source of numbers in [0, 1); default <see cref="Random.Shared"/>.</param>
    public static Func<int, TimeSpan> BackoffPolicy(TimeSpan? initialDelay = null, double factor = 1.5, TimeSpan? maxDelay = null, TimeSpan? jitter = null, Func<double>? random = null)
    {
        var initial = (initialDelay ?? TimeSpan.FromSeconds(1)).TotalSeconds;
        var max = (maxDelay ?? TimeSpan.FromSeconds(60)).TotalSeconds;
        var spread = (jitter ?? TimeSpan.FromSeconds(1)).TotalSeconds;
        var next = random ?? Random.Shared.NextDouble;
        return attempt =>
        {
            var exponent = Math.Min(Math.Max(attempt - 1, 0), 200);
            var delay = Math.Min(initial * Math.Pow(factor, exponent), max);
            return TimeSpan.FromSeconds(delay + (spread * next()));
        };
    }

    /// <summary>Fires with the live protocol: at once when connected, else on the next connection; fails once the service stops.</summary>
    public Deferred<IProtocol> WhenConnected()
    {
        if (_protocol is not null)
        {
            return Deferred.Succeed(_protocol);
        }

        if (!Running)
        {
            return Deferred.Fail<IProtocol>(new CancelledException($"{this} is not running, so it has no connection."));
        }

        var waiter = new Deferred<IProtocol>(d => _waiters.Remove(d));
        _waiters.Add(waiter);
        return waiter;
    }

    /// <summary>Starts connecting.</summary>
    public override void StartService()
    {
        base.StartService();
        _failures = 0;
        _stopped = null;
        Connect();
    }

    /// <summary>Stops retrying, cancels a pending attempt, closes the connection; fires once it is closed.</summary>
    public override Deferred<Unit> StopService()
    {
        base.StopService();
        if (_retry is { Active: true })
        {
            _retry.Cancel();
        }

        _retry = null;
        _connecting?.Cancel();
        _connecting = null;
        var waiters = _waiters.ToArray();
        _waiters.Clear();
        foreach (var waiter in waiters)
        {
            waiter.Errback(new CancelledException($"{this} stopped before a connection was made."));
        }

        if (_protocol is null)
        {
            return Deferred.Succeed();
        }

        _stopped = new Deferred<Unit>();
        var stopped = _stopped;
        TransportOf(_observed!)?.LoseConnection();
        return stopped;
    }

    private static Torsion.Transports.ITransport? TransportOf(IProtocol observed) => (observed as ObservedProtocol)?.CurrentTransport;

    private void Connect()
    {
        var attempt = Endpoint.Connect(new ObservingFactory(this));
        _connecting = attempt;
        attempt.AddBoth<Unit>(r =>
        {
            if (_connecting == attempt)
            {
                _connecting = null;
            }

            if (!Running)
            {
                return Unit.Value; // stopped: a late success is closed by Made, a failure is the cancellation
            }

            if (!r.Success)
            {
                LastError = r.Error;
                ScheduleRetry();
            }

            return Unit.Value;
        });
    }

    private void ScheduleRetry()
    {
        _failures++;
        _retry = _clock.CallLater(_retryPolicy(_failures), () =>
        {
            _retry = null;
            if (Running)
            {
                Connect();
            }
        });
    }

    private void Made(IProtocol observed, IProtocol protocol)
    {
        if (!Running)
        {
            TransportOf(observed)?.LoseConnection();
            return;
        }

        _failures = 0;
        _observed = observed;
        _protocol = protocol;
        var waiters = _waiters.ToArray();
        _waiters.Clear();
        foreach (var waiter in waiters)
        {
            waiter.Callback(protocol);
        }
    }

    private void Lost(IProtocol observed, Exception reason)
    {
        if (_observed != observed)
        {
            return;
        }

        _observed = null;
        _protocol = null;
        LastError = reason;
        if (Running)
        {
            ScheduleRetry();
        }
        else if (_stopped is { Called: false } stopped)
        {
            stopped.Callback(Unit.Value);
        }
    }

    /// <summary>Builds the application protocol and watches its connection.</summary>
    private sealed class ObservingFactory(ClientService service) : IProtocolFactory
    {
        public void DoStart() => service.Factory.DoStart();

        public void DoStop() => service.Factory.DoStop();

        public IProtocol? BuildProtocol(System.Net.EndPoint peer)
        {
            var protocol = service.Factory.BuildProtocol(peer);
            if (protocol is null)
            {
                return null;
            }

            ObservedProtocol? observed = null;
            observed = ObservedProtocol.Wrap(protocol, made => service.Made(observed!, made), lost => service.Lost(observed!, lost));
            return observed;
        }
    }
}
