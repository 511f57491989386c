using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Transports;
using Torsion.Web.Http2;

namespace Torsion.Web.Client;

/// <summary>
/// One HTTP/2 connection per key (scheme, host, port), shared by every request to it. While it connects, other requests
/// wait for it rather than opening more. An https connection on which the server chose http/1.1 by ALPN is handed to the
/// HTTP/1.1 pool and the key is remembered as HTTP/1.1-only.
/// </summary>
internal sealed class Http2ConnectionPool(IReactorTime time, AgentOptions options, HttpConnectionPool http1)
{
    private readonly Dictionary<string, Http2ClientProtocol> _live = [];
    private readonly Dictionary<string, List<Deferred<Http2ClientProtocol?>>> _connecting = [];
    private readonly HashSet<string> _http1Only = [];

    /// <summary>Connections opened so far.</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Whether the server of <paramref name="key"/> answered ALPN with http/1.1.</summary>
    public bool IsHttp1Only(string key) => _http1Only.Contains(key);

    /// <summary>
    /// The HTTP/2 connection for <paramref name="key"/>, connecting if there is none; null when the server chose
    /// http/1.1 (the connection then serves the HTTP/1.1 pool).
    /// </summary>
    public Deferred<Http2ClientProtocol?> Acquire(string key, string scheme, Func<IStreamClientEndpoint> endpoint)
    {
        if (_live.TryGetValue(key, out var live) && live.IsUsable)
        {
            return Deferred.Succeed<Http2ClientProtocol?>(live);
        }

        if (_http1Only.Contains(key))
        {
            return Deferred.Succeed<Http2ClientProtocol?>(null);
        }

        var waiter = new Deferred<Http2ClientProtocol?>();
        if (_connecting.TryGetValue(key, out var waiters))
        {
            waiters.Add(waiter);
            return waiter;
        }

        waiters = [waiter];
        _connecting[key] = waiters;
        ConnectionsOpened++;
        var ready = new Deferred<Http2ClientProtocol?>();
        ready.AddCallbacks(
            protocol =>
            {
                _connecting.Remove(key);
                foreach (var w in waiters)
                {
                    w.Callback(protocol);
                }

                return protocol;
            },
            error =>
            {
                _connecting.Remove(key);
                foreach (var w in waiters)
                {
                    w.Errback(error);
                }

                return null;
            });
        var protocol = new AlpnClientProtocol(this, key, scheme, ready);
        Deferred<IProtocol> connected;
        try
        {
            connected = endpoint().Connect(ClientFactory.ForProtocol(() => protocol));
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
        return waiter;
    }

    /// <summary>Closes the HTTP/2 connections with no request in flight.</summary>
    public void CloseIdle()
    {
        foreach (var protocol in _live.Values.ToList())
        {
            protocol.CloseIfUnused();
        }
    }

    private void Live(string key, Http2ClientProtocol protocol)
    {
        _live[key] = protocol;
        protocol.Unusable = p =>
        {
            if (_live.TryGetValue(key, out var current) && current == p)
            {
                _live.Remove(key);
            }
        };
    }

    /// <summary>
    /// The protocol under the TLS layer until the handshake says which HTTP the server speaks (ALPN), or at once for
    /// cleartext prior knowledge; then it forwards to the chosen protocol.
    /// </summary>
    private sealed class AlpnClientProtocol(Http2ConnectionPool pool, string key, string scheme, Deferred<Http2ClientProtocol?> ready) : IProtocol, ITlsHandshakeListener
    {
        private ITransport? _transport;
        private IProtocol? _inner;

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
            if (_inner is not null)
            {
                _inner.ConnectionLost(reason);
                return;
            }

            // Lost before the protocol was chosen (a TLS handshake failure, the server closing): wrapped, as the
            // HTTP/1.1 path wraps a connection lost before any response, so callers see one exception type whichever
            // HTTP the connection would have spoken.
            ConnectFailed(reason is ResponseNeverReceivedException
                ? reason
                : new ResponseNeverReceivedException($"The connection to {key} closed before any response: {reason.Message}", reason));
        }

        /// <summary>Fails the waiting requests with <paramref name="error"/> as it is (a connect failure, as on the HTTP/1.1 path).</summary>
        public void ConnectFailed(Exception error)
        {
            if (!ready.Called)
            {
                ready.Errback(error);
            }
        }

        private void Choose(string? protocol)
        {
            if (protocol == "h2")
            {
                var h2 = new Http2ClientProtocol(pool.Time, pool.Options, scheme);
                _inner = h2;
                pool.Live(key, h2);
                h2.MakeConnection(_transport!);
                ready.Callback(h2);
                return;
            }

            // The server chose http/1.1 (or no ALPN at all): this connection serves the HTTP/1.1 pool.
            pool._http1Only.Add(key);
            var http1 = pool.Http1.Adopt(key);
            _inner = http1;
            http1.MakeConnection(_transport!);
            pool.Http1.Offer(http1);
            ready.Callback(null);
        }
    }

    private IReactorTime Time => time;

    private AgentOptions Options => options;

    private HttpConnectionPool Http1 => http1;
}
