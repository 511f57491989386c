using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Reactor;
using Torsion.Tls;

namespace Torsion.Web.Client;

/// <summary>
/// An HTTP client (Twisted's <c>Agent</c>): http and https (TLS verified by default), HTTP/2 when the server picks "h2"
/// by ALPN (offered before "http/1.1"; or h2c with prior knowledge when <see cref="AgentOptions.Http2PriorKnowledge"/>),
/// else HTTP/1.1 with a pool of persistent connections per (scheme, host, port); connect and response timeouts, request
/// bodies from an <see cref="IBodyProducer"/> and response bodies streamed under flow control. Use it from the reactor
/// thread.
/// </summary>
/// <remarks>
/// A request on a reused HTTP/1.1 connection that closes before any response byte (the server timed it out meanwhile) is
/// retried once on a new connection when its method is idempotent and it has no body (RFC 9112 section 9.3.1.1). Over
/// HTTP/2 all requests to one host share one connection (or, with <see cref="AgentOptions.Http2MultipleConnections"/>,
/// more once the server's stream limit is reached); a request the server did not process (GOAWAY, REFUSED_STREAM)
/// is sent again on a new connection, up to <see cref="MaxNotProcessedRetries"/> times, whatever its method, when it has
/// no body or a <see cref="BytesBodyProducer"/> one (other producers can not be replayed).
/// </remarks>
public sealed class Agent : IAgent
{
    private static readonly HashSet<string> Idempotent = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];

    private readonly IReactor _reactor;
    private readonly AgentOptions _options;
    private readonly HttpConnectionPool _pool;
    private readonly Http2ConnectionPool _http2;
    private readonly Uri? _proxy;
    private readonly string? _proxyAuthorization;

    /// <summary>An agent on <paramref name="reactor"/> with <paramref name="options"/> (or the defaults).</summary>
    public Agent(IReactor reactor, AgentOptions? options = null)
        : this(reactor, options, proxy: null)
    {
    }

    internal Agent(IReactor reactor, AgentOptions? options, Uri? proxy)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        _reactor = reactor;
        _options = options ?? AgentOptions.Default;
        _pool = new HttpConnectionPool(reactor, _options);
        _http2 = new Http2ConnectionPool(reactor, _options, _pool);
        _proxy = proxy;
        _proxyAuthorization = proxy is null ? null : HttpProxyTunnelEndpoint.BasicAuthorization(proxy);
    }

    /// <summary>How often a request the server did not process (HTTP/2 GOAWAY or REFUSED_STREAM) is sent again: 3.</summary>
    public const int MaxNotProcessedRetries = 3;

    /// <summary>The reactor requests run on.</summary>
    public IReactor Reactor => _reactor;

    /// <summary>How many connections this agent opened (a measure of reuse).</summary>
    public int ConnectionsOpened => _pool.ConnectionsOpened + _http2.ConnectionsOpened;

    /// <inheritdoc />
    public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        if (!Headers.IsToken(method))
        {
            return Deferred.Fail<HttpResponse>(new ArgumentException($"The method '{method}' is not an HTTP token.", nameof(method)));
        }

        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return Deferred.Fail<HttpResponse>(new ArgumentException($"The URI '{uri}' is not an absolute http or https URI.", nameof(uri)));
        }

        // Through a proxy, http goes to the proxy in absolute form (RFC 9112 section 3.2.2) with the proxy's
        // credentials; https goes through a CONNECT tunnel (see Endpoint), so the origin sees an ordinary request.
        var proxied = _proxy is not null && uri.Scheme == Uri.UriSchemeHttp;
        var target = proxied ? uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped) : uri.PathAndQuery;
        headers ??= new Headers();
        if (proxied && _proxyAuthorization is not null && !headers.Contains("Proxy-Authorization"))
        {
            headers = headers.Copy().Add("Proxy-Authorization", _proxyAuthorization);
        }

        var spec = new HttpRequestSpec(method, uri, target, headers, body);
        return Send(spec, retried: false);
    }

    /// <summary>Closes the idle pooled connections (busy ones finish their request first).</summary>
    public void CloseIdleConnections()
    {
        _pool.CloseIdle();
        _http2.CloseIdle();
    }

    private Deferred<HttpResponse> Send(HttpRequestSpec spec, bool retried, int notProcessed = 0)
    {
        var (scheme, host, port) = _proxy is { } proxy && spec.Uri.Scheme == Uri.UriSchemeHttp ? (proxy.Scheme, proxy.IdnHost, proxy.Port) : (spec.Uri.Scheme, spec.Uri.IdnHost, spec.Uri.Port);
        var key = string.Concat(scheme, "://", host, ":", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // https may speak HTTP/2 directly or inside a proxy's CONNECT tunnel (ALPN decides); plain http only with prior
        // knowledge and no proxy (a proxy gets HTTP/1.1 requests in absolute form).
        var http2 = scheme == Uri.UriSchemeHttps ? _options.EnableHttp2 : _proxy is null && _options.Http2PriorKnowledge;
        if (http2 && !_http2.IsHttp1Only(key))
        {
            return SendHttp2(spec, key, scheme, host, port, retried, notProcessed);
        }

        return SendHttp1(spec, key, scheme, host, port, retried);
    }

    // Apart from Send so that the HTTP/1.1 path allocates no closure (captured parameters are hoisted to method entry).
    private Deferred<HttpResponse> SendHttp2(HttpRequestSpec spec, string key, string scheme, string host, int port, bool retried, int notProcessed) =>
        _http2.Acquire(key, scheme, () => Endpoint(scheme, host, port))
            .AddCallback(connection => connection is null ? SendHttp1(spec, key, scheme, host, port, retried) : connection.Request(spec))
            .AddErrback(error => error is RequestNotProcessedException && notProcessed < MaxNotProcessedRetries && spec.Body is null or BytesBodyProducer
                ? Send(spec, retried, notProcessed + 1)
                : Deferred.Fail<HttpResponse>(error));

    private Deferred<HttpResponse> SendHttp1(HttpRequestSpec spec, string key, string scheme, string host, int port, bool retried)
    {
        var retriable = !retried && spec.Body is null && Idempotent.Contains(spec.Method);
        if (_pool.TakeIdle(key) is { } idle)
        {
            // The common case: a pooled connection, used at once (no Deferred, callback or closure for acquiring it).
            var response = idle.Request(spec);
            return retriable ? RetryIfStale(response, spec) : response;
        }

        return Connect(spec, key, scheme, host, port, retriable);
    }

    // Apart from SendHttp1 so that its fast path allocates no closure (captured parameters are hoisted to method entry).
    private Deferred<HttpResponse> Connect(HttpRequestSpec spec, string key, string scheme, string host, int port, bool retriable)
    {
        HttpClientProtocol? used = null;
        var connecting = _pool.Acquire(key, () => Endpoint(scheme, host, port))
            .AddCallback(protocol =>
            {
                used = protocol;
                return protocol.Request(spec);
            });
        return retriable ? connecting.AddErrback(error => used is { Reused: true } ? Retry(error, spec) : Deferred.Fail<HttpResponse>(error)) : connecting;
    }

    /// <summary>A request on a reused connection that closed before any response byte is sent again once.</summary>
    private Deferred<HttpResponse> RetryIfStale(Deferred<HttpResponse> response, HttpRequestSpec spec) =>
        response.AddErrback(error => Retry(error, spec));

    private Deferred<HttpResponse> Retry(Exception error, HttpRequestSpec spec) =>
        error is ResponseNeverReceivedException ? Send(spec, retried: true) : Deferred.Fail<HttpResponse>(error);

    private IStreamClientEndpoint Endpoint(string scheme, string host, int port)
    {
        if (scheme != Uri.UriSchemeHttps)
        {
            return new HostnameEndpoint(_reactor, host, port, _options.Resolver, _options.ConnectTimeout);
        }

        // https through a proxy: TLS to the origin (its name for SNI and verification) inside a CONNECT tunnel.
        IStreamClientEndpoint tcp = _proxy is { } proxy
            ? new HttpProxyTunnelEndpoint(new HostnameEndpoint(_reactor, proxy.IdnHost, proxy.Port, _options.Resolver, _options.ConnectTimeout), host, port, _proxyAuthorization, _reactor, _options.ConnectTimeout)
            : new HostnameEndpoint(_reactor, host, port, _options.Resolver, _options.ConnectTimeout);

        var tls = _options.TlsOptionsForHost?.Invoke(host) ?? TlsOptions.Client(host);
        if (tls.ApplicationProtocols.Count == 0)
        {
            if (_options.EnableHttp2)
            {
                tls.ApplicationProtocols.Add("h2");
            }

            tls.ApplicationProtocols.Add("http/1.1");
        }

        return new TlsClientEndpoint(tcp, tls);
    }
}
