using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Endpoints;

/// <summary>
/// Connects to a host name: resolves every address through an <see cref="IHostResolver"/>, then races them with
/// Happy Eyeballs (RFC 8305 §4-5): IPv6 and IPv4 interleaved, a new attempt every <see cref="AttemptDelay"/> (250 ms)
/// or as soon as the previous one fails, the first connection wins and the others are stopped. An IP literal is
/// connected to directly, without the resolver. Cancelling the Deferred stops the lookup and every attempt.
/// </summary>
public sealed class HostnameEndpoint : IStreamClientEndpoint
{
    /// <summary>RFC 8305's recommended Connection Attempt Delay.</summary>
    public static readonly TimeSpan DefaultAttemptDelay = TimeSpan.FromMilliseconds(250);

    private readonly IReactor _reactor;
    private readonly IHostResolver _resolver;

    /// <summary>An endpoint for <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="reactor">The reactor that connects and keeps time.</param>
    /// <param name="host">A host name or an IP literal.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="resolver">Resolves the name; null: <see cref="SystemHostResolver"/> on <paramref name="reactor"/>.</param>
    /// <param name="timeout">How long each attempt may take (null: the reactor's 30 s).</param>
    /// <param name="bindAddress">A local address to connect from (only addresses of its family are tried), or null.</param>
    /// <param name="attemptDelay">The delay before the next attempt starts while one is pending (default 250 ms).</param>
    public HostnameEndpoint(IReactor reactor, string host, int port, IHostResolver? resolver = null, TimeSpan? timeout = null, IPEndPoint? bindAddress = null, TimeSpan? attemptDelay = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _reactor = reactor;
        _resolver = resolver ?? new SystemHostResolver(reactor);
        Host = host;
        Port = port;
        Timeout = timeout;
        BindAddress = bindAddress;
        AttemptDelay = attemptDelay ?? DefaultAttemptDelay;
    }

    /// <summary>The host name or IP literal.</summary>
    public string Host { get; }

    /// <summary>The TCP port.</summary>
    public int Port { get; }

    /// <summary>How long each attempt may take, or null for the reactor's default.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>The local address to connect from, or null.</summary>
    public IPEndPoint? BindAddress { get; }

    /// <summary>The delay between the starts of two attempts.</summary>
    public TimeSpan AttemptDelay { get; }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Race(this, factory).Start();
    }

    /// <summary>
    /// Orders addresses as RFC 8305 §4 asks: alternate families, starting with the family of the first address,
    /// keeping the resolver's order within each family.
    /// </summary>
    public static IReadOnlyList<IPAddress> Interleave(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var all = addresses.ToList();
        if (all.Count == 0)
        {
            return all;
        }

        var first = all[0].AddressFamily;
        var primary = new Queue<IPAddress>(all.Where(a => a.AddressFamily == first));
        var secondary = new Queue<IPAddress>(all.Where(a => a.AddressFamily != first));
        var ordered = new List<IPAddress>(all.Count);
        while (primary.Count > 0 || secondary.Count > 0)
        {
            if (primary.Count > 0)
            {
                ordered.Add(primary.Dequeue());
            }

            if (secondary.Count > 0)
            {
                ordered.Add(secondary.Dequeue());
            }
        }

        return ordered;
    }

    /// <inheritdoc />
    public override string ToString() => $"tcp:host={Host}:port={Port}";

    /// <summary>One Connect call: the lookup, then the attempts.</summary>
    private sealed class Race
    {
        private readonly HostnameEndpoint _endpoint;
        private readonly IProtocolFactory _factory;
        private readonly List<Attempt> _pending = [];
        private readonly List<KeyValuePair<IPEndPoint, Exception>> _failures = [];
        private IReadOnlyList<IPAddress> _addresses = [];
        private Deferred<IReadOnlyList<IPAddress>>? _lookup;
        private IDelayedCall? _nextAttempt;
        private int _next;
        private bool _done;

        public Race(HostnameEndpoint endpoint, IProtocolFactory factory)
        {
            _endpoint = endpoint;
            _factory = factory;
            Result = new Deferred<IProtocol>(_ => Cancel());
        }

        public Deferred<IProtocol> Result { get; }

        public Deferred<IProtocol> Start()
        {
            if (IPAddress.TryParse(_endpoint.Host, out var literal))
            {
                Begin([literal]);
                return Result;
            }

            Deferred<IReadOnlyList<IPAddress>> lookup;
            try
            {
                lookup = _endpoint._resolver.ResolveHostName(_endpoint.Host);
            }
            catch (Exception e)
            {
                Finish(e);
                return Result;
            }

            _lookup = lookup;
            lookup.AddBoth<Unit>(result =>
            {
                _lookup = null;
                if (_done)
                {
                    return Unit.Value;
                }

                if (result.Success)
                {
                    Begin(result.Value);
                }
                else
                {
                    Finish(result.Error is DnsLookupException ? result.Error
                        : new DnsLookupException($"The host name '{_endpoint.Host}' could not be resolved: {result.Error!.Message}", result.Error));
                }

                return Unit.Value;
            });
            return Result;
        }

        private void Begin(IReadOnlyList<IPAddress> resolved)
        {
            var usable = _endpoint.BindAddress is { } bind ? resolved.Where(a => a.AddressFamily == bind.AddressFamily) : resolved;
            _addresses = Interleave(usable);
            if (_addresses.Count == 0)
            {
                Finish(new DnsLookupException(resolved.Count == 0
                    ? $"The host name '{_endpoint.Host}' has no addresses."
                    : $"The host name '{_endpoint.Host}' has no {_endpoint.BindAddress!.AddressFamily} address to connect to from {_endpoint.BindAddress} (it has {string.Join(", ", resolved)})."));
                return;
            }

            StartNext();
        }

        private void StartNext()
        {
            if (_done)
            {
                return;
            }

            if (_nextAttempt is { Active: true })
            {
                _nextAttempt.Cancel();
            }

            _nextAttempt = null;
            if (_next >= _addresses.Count)
            {
                if (_pending.Count == 0)
                {
                    Finish(new ConnectionAttemptsFailedException(_endpoint.Host, _endpoint.Port, _failures));
                }

                return;
            }

            var target = new IPEndPoint(_addresses[_next++], _endpoint.Port);
            var attempt = new Attempt(this, target);
            _pending.Add(attempt);
            try
            {
                attempt.Connector = _endpoint._reactor.ConnectTcp(target.Address.ToString(), target.Port, attempt, _endpoint.Timeout, _endpoint.BindAddress);
            }
            catch (Exception e)
            {
                Failed(attempt, e);
                return;
            }

            if (!_done && _next < _addresses.Count && _pending.Contains(attempt))
            {
                _nextAttempt = _endpoint._reactor.CallLater(_endpoint.AttemptDelay, StartNext);
            }
        }

        private void Failed(Attempt attempt, Exception reason)
        {
            if (_done || !_pending.Remove(attempt))
            {
                return;
            }

            _failures.Add(new(attempt.Target, reason));
            StartNext();
        }

        private IProtocol? Won(Attempt winner, EndPoint peer)
        {
            if (_done)
            {
                return null;
            }

            _done = true;
            _pending.Remove(winner);
            StopEverything();
            IProtocol? protocol;
            try
            {
                protocol = _factory.BuildProtocol(peer);
            }
            catch (Exception e)
            {
                Result.Errback(e);
                throw;
            }

            if (protocol is null)
            {
                Result.Errback(new InvalidOperationException($"{_factory.GetType().Name}.BuildProtocol refused the connection to {peer} (returned null)."));
                return null;
            }

            return ObservedProtocol.Wrap(protocol, made => Result.Callback(made), lost: null);
        }

        private void StopEverything()
        {
            if (_nextAttempt is { Active: true })
            {
                _nextAttempt.Cancel();
            }

            _nextAttempt = null;
            foreach (var attempt in _pending.ToArray())
            {
                if (attempt.Connector is { State: ConnectorState.Connecting } connector)
                {
                    connector.StopConnecting();
                }
            }

            _pending.Clear();
        }

        private void Cancel()
        {
            if (_done)
            {
                return;
            }

            _done = true;
            _lookup?.Cancel();
            StopEverything();
            if (!Result.Called)
            {
                Result.Errback(new CancelledException($"Connecting to {_endpoint.Host} port {_endpoint.Port} was cancelled."));
            }
        }

        private void Finish(Exception error)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            StopEverything();
            Result.Errback(error);
        }

        /// <summary>One address being tried: the client factory its connector reports to.</summary>
        private sealed class Attempt(Race race, IPEndPoint target) : ClientFactory
        {
            public IPEndPoint Target { get; } = target;

            public IConnector? Connector { get; set; }

            public override IProtocol? BuildProtocol(EndPoint peer) => race.Won(this, peer);

            public override void ClientConnectionFailed(IConnector connector, Exception reason) => race.Failed(this, reason);

            protected override void StartFactory() => race._factory.DoStart();

            protected override void StopFactory() => race._factory.DoStop();
        }
    }
}
