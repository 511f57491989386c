using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Transports;
using Torsion.Web.Http2;

namespace Torsion.Web.Client;

/// <summary>
/// The HTTP/2 connections per key (scheme, host, port). By default one connection serves every request to the key
/// (beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS they queue on it). With
/// <see cref="AgentOptions.Http2MultipleConnections"/>, a request that finds every connection at the server's stream
/// limit opens another, up to <see cref="AgentOptions.MaxConnectionsPerHost"/>, as HttpClient's
/// <c>EnableMultipleHttp2Connections</c>. Only one connection per key is opened at a time: requests that find no free
/// stream wait for it. An https connection on which the server chose http/1.1 by ALPN is handed to the HTTP/1.1 pool
/// and the key is remembered as HTTP/1.1-only.
/// </summary>
internal sealed class Http2ConnectionPool(IReactorTime time, AgentOptions options, HttpConnectionPool http1)
{
    private readonly Dictionary<string, HostConnections> _hosts = [];
    private readonly HashSet<string> _http1Only = [];

    /// <summary>Connections opened so far.</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Whether the server of <paramref name="key"/> answered ALPN with http/1.1.</summary>
    public bool IsHttp1Only(string key) => _http1Only.Contains(key);

    /// <summary>
    /// An HTTP/2 connection for <paramref name="key"/> (one with a free stream if there is one), connecting if needed;
    /// null when the server chose http/1.1 (the connection then serves the HTTP/1.1 pool).
    /// </summary>
    public Deferred<Http2ClientProtocol?> Acquire(string key, string scheme, Func<IStreamClientEndpoint> endpoint)
    {
        if (_http1Only.Contains(key))
        {
            return Deferred.Succeed<Http2ClientProtocol?>(null);
        }

        if (!_hosts.TryGetValue(key, out var host))
        {
            _hosts[key] = host = new HostConnections(key, scheme);
        }

        host.Endpoint = endpoint;
        // Waiting requests go first (they wait only while a connection is being opened and no stream is free).
        if (host.Waiters.Count == 0 && Choose(host) is { } connection)
        {
            return Deferred.Succeed<Http2ClientProtocol?>(connection);
        }

        var waiter = new Deferred<Http2ClientProtocol?>(d => host.Waiters.Remove(d));
        host.Waiters.AddLast(waiter);
        if (host.Connecting == 0)
        {
            Open(host);
        }

        return waiter;
    }

    /// <summary>Closes the HTTP/2 connections with no request in flight.</summary>
    public void CloseIdle()
    {
        foreach (var host in _hosts.Values)
        {
            foreach (var protocol in host.Live.ToList())
            {
                protocol.CloseIfUnused();
            }
        }
    }

    /// <summary>
    /// The connection a request to <paramref name="host"/> should use now, or null when it must wait for a connection
    /// being opened (or open one). Multiple connections: the oldest one with a free stream; else, when no more may be
    /// opened, the least loaded one (the request queues there for a stream).
    /// </summary>
    private Http2ClientProtocol? Choose(HostConnections host)
    {
        host.Live.RemoveAll(c => !c.IsUsable);
        if (!options.Http2MultipleConnections)
        {
            return host.Live.Count > 0 ? host.Live[0] : null;
        }

        Http2ClientProtocol? leastLoaded = null;
        foreach (var connection in host.Live)
        {
            if (connection.HasFreeStream)
            {
                return connection;
            }

            if (leastLoaded is null || connection.Load < leastLoaded.Load)
            {
                leastLoaded = connection;
            }
        }

        return host.Connecting == 0 && host.Live.Count >= Math.Max(1, options.MaxConnectionsPerHost) ? leastLoaded : null;
    }

    /// <summary>Hands waiting requests to connections that can take them; opens a connection for the rest.</summary>
    private void Serve(HostConnections host)
    {
        while (host.Waiters.First is { } first)
        {
            if (Choose(host) is not { } connection)
            {
                if (host.Connecting == 0)
                {
                    Open(host);
                }

                return;
            }

            host.Waiters.RemoveFirst();
            // The request opens its stream (or queues) in this callback, so the next Choose sees the stream counted.
            first.Value.Callback(connection);
        }
    }

    private void Open(HostConnections host)
    {
        host.Connecting++;
        ConnectionsOpened++;
        var protocol = new AlpnClientProtocol(this, host);
        Deferred<IProtocol> connected;
        try
        {
            connected = host.Endpoint!().Connect(ClientFactory.ForProtocol(() => protocol));
        }
        catch (Exception e)
        {
            connected = Deferred.Fail<IProtocol>(e);
        }

        connected.AddErrback(error =>
        {
            protocol.ConnectFailed(error);
            return protocol;
        });
    }

    /// <summary>A connection of <paramref name="host"/> speaks HTTP/2 and may take requests.</summary>
    private void Connected(HostConnections host, Http2ClientProtocol protocol)
    {
        host.Connecting--;
        host.Live.Add(protocol);
        protocol.CapacityFreed = _ =>
        {
            if (host.Waiters.Count > 0)
            {
                Serve(host);
            }
        };
        Serve(host);
    }

    /// <summary>The connection being opened for <paramref name="host"/> failed: the requests waiting for it fail.</summary>
    private void Failed(HostConnections host, Exception error)
    {
        host.Connecting--;
        foreach (var waiter in TakeWaiters(host))
        {
            waiter.Errback(error);
        }
    }

    /// <summary>The server of <paramref name="host"/> chose http/1.1: the waiting requests go to the HTTP/1.1 pool.</summary>
    private void ChoseHttp1(HostConnections host)
    {
        host.Connecting--;
        _http1Only.Add(host.Key);
        foreach (var waiter in TakeWaiters(host))
        {
            waiter.Callback(null);
        }
    }

    /// <summary>Empties the wait list of <paramref name="host"/> and returns what it held (callbacks may add to it anew).</summary>
    private static List<Deferred<Http2ClientProtocol?>> TakeWaiters(HostConnections host)
    {
        var waiters = host.Waiters.ToList();
        host.Waiters.Clear();
        return waiters;
    }

    /// <summary>A connection takes no new request any more (GOAWAY, error, closed): the pool forgets it.</summary>
    private void Forget(HostConnections host, Http2ClientProtocol protocol)
    {
        if (host.Live.Remove(protocol) && host.Waiters.Count > 0)
        {
            Serve(host);
        }
    }

    /// <summary>
    /// The protocol under the TLS layer until the handshake says which HTTP the server speaks (ALPN), or at once for
    /// cleartext prior knowledge; then it forwards to the chosen protocol. It reports the outcome to the pool once:
    /// connected (with multiple connections, only when the server's SETTINGS arrived, so that its stream limit is
    /// known), http/1.1, or failed.
    /// </summary>
    private sealed class AlpnClientProtocol(Http2ConnectionPool pool, HostConnections host) : IProtocol, ITlsHandshakeListener
    {
        private ITransport? _transport;
        private IProtocol? _inner;
        private bool _settled;
        private IDelayedCall? _settingsTimer;

        public void MakeConnection(ITransport transport)
        {
            _transport = transport;
            if (transport is not ITlsTransport)
            {
                Choose("h2");
            }
        }

        public void HandshakeCompleted() => Choose(((ITlsTransport)_transport!).NegotiatedApplicationProtocol);

        public void DataReceived(ReadOnlySpan<byte> data)
        {
            if (_inner is null)
            {
                _transport!.AbortConnection();
                return;
            }

            _inner.DataReceived(data);
        }

        public void ConnectionLost(Exception reason)
        {
            // Lost before the protocol was chosen (a TLS handshake failure, the server closing) or, with multiple
            // connections, before the server's SETTINGS: wrapped, as the HTTP/1.1 path wraps a connection lost before
            // any response, so callers see one exception type whichever HTTP the connection would have spoken.
            ConnectFailed(reason is ResponseNeverReceivedException
                ? reason
                : new ResponseNeverReceivedException($"The connection to {host.Key} closed before any response: {reason.Message}", reason));
            _inner?.ConnectionLost(reason);
        }

        /// <summary>Fails the waiting requests with <paramref name="error"/> as it is (a connect failure, as on the HTTP/1.1 path).</summary>
        public void ConnectFailed(Exception error)
        {
            if (Settle())
            {
                pool.Failed(host, error);
            }
        }

        private bool Settle()
        {
            if (_settled)
            {
                return false;
            }

            _settled = true;
            if (_settingsTimer is { Active: true })
            {
                _settingsTimer.Cancel();
            }

            return true;
        }

        private void Choose(string? protocol)
        {
            if (protocol == "h2")
            {
                var h2 = new Http2ClientProtocol(pool.Time, pool.Options, host.Scheme);
                _inner = h2;
                h2.Unusable = p =>
                {
                    if (Settle())
                    {
                        pool.Failed(host, new ResponseNeverReceivedException($"The HTTP/2 connection to {host.Key} failed before the server's SETTINGS arrived{(p.EndReason is { } why ? $": {why}" : ".")}"));
                        return;
                    }

                    pool.Forget(host, p);
                };
                if (!pool.Options.Http2MultipleConnections)
                {
                    h2.MakeConnection(_transport!);
                    if (Settle())
                    {
                        pool.Connected(host, h2);
                    }

                    return;
                }

                // The server's stream limit decides whether more connections are needed: wait for its SETTINGS (the
                // first frame it sends), within the connect timeout.
                h2.SettingsReady = p =>
                {
                    if (Settle())
                    {
                        pool.Connected(host, p);
                    }
                };
                if (pool.Options.ConnectTimeout > TimeSpan.Zero)
                {
                    var timeout = pool.Options.ConnectTimeout;
                    _settingsTimer = pool.Time.CallLater(timeout, () =>
                    {
                        _settingsTimer = null;
                        if (Settle())
                        {
                            pool.Failed(host, new TimeoutException($"The HTTP/2 server at {host.Key} sent no SETTINGS within {timeout.TotalSeconds:0.###} s."));
                            _transport!.AbortConnection();
                        }
                    });
                }

                h2.MakeConnection(_transport!);
                return;
            }

            // The server chose http/1.1 (or no ALPN at all): this connection serves the HTTP/1.1 pool.
            var settled = Settle();
            var http1 = pool.Http1.Adopt(host.Key);
            _inner = http1;
            http1.MakeConnection(_transport!);
            pool.Http1.Offer(http1);
            if (settled)
            {
                pool.ChoseHttp1(host);
            }
        }
    }

    /// <summary>The HTTP/2 connections of one key.</summary>
    private sealed class HostConnections(string key, string scheme)
    {
        public string Key { get; } = key;

        public string Scheme { get; } = scheme;

        /// <summary>Usable connections, oldest first (requests prefer the oldest, so that extra ones drain and close).</summary>
        public List<Http2ClientProtocol> Live { get; } = [];

        /// <summary>Connections being opened (at most one).</summary>
        public int Connecting { get; set; }

        /// <summary>Requests waiting for the connection being opened.</summary>
        public LinkedList<Deferred<Http2ClientProtocol?>> Waiters { get; } = [];

        /// <summary>The latest endpoint factory requests gave for this key.</summary>
        public Func<IStreamClientEndpoint>? Endpoint { get; set; }
    }

    private IReactorTime Time => time;

    private AgentOptions Options => options;

    private HttpConnectionPool Http1 => http1;
}
