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
/// HTTP/2 all requests to one host share one connection; a request the server did not process (GOAWAY, REFUSED_STREAM)
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
        if (method.Length == 0 || method.Any(c => c > 0x7F || !global::Torsion.Web.Http.HttpRequestParser.IsTokenChar((byte)c)))
        {
            return Deferred.Fail<HttpResponse>(new ArgumentException($"The method '{method}' is not an HTTP token.", nameof(method)));
        }

        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return Deferred.Fail<HttpResponse>(new ArgumentException($"The URI '{uri}' is not an absolute http or https URI.", nameof(uri)));
        }

        if (_proxy is not null && uri.Scheme == Uri.UriSchemeHttps)
        {
            return Deferred.Fail<HttpResponse>(new NotSupportedException($"https through an HTTP proxy (CONNECT tunnels) is not supported yet: {uri}."));
        }

        var target = _proxy is null ? uri.PathAndQuery : uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);
        var spec = new HttpRequestSpec(method, uri, target, headers ?? new Headers(), body);
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
        var (scheme, host, port) = _proxy is { } proxy ? (proxy.Scheme, proxy.IdnHost, proxy.Port) : (spec.Uri.Scheme, spec.Uri.IdnHost, spec.Uri.Port);
        var key = $"{scheme}://{host}:{port}";
        var http2 = _proxy is null && (scheme == Uri.UriSchemeHttps ? _options.EnableHttp2 : _options.Http2PriorKnowledge);
        if (http2 && !_http2.IsHttp1Only(key))
        {
            return _http2.Acquire(key, scheme, () => Endpoint(scheme, host, port))
                .AddCallback(connection => connection is null ? SendHttp1(spec, key, scheme, host, port, retried) : connection.Request(spec))
                .AddErrback(error => error is RequestNotProcessedException && notProcessed < MaxNotProcessedRetries && spec.Body is null or BytesBodyProducer
                    ? Send(spec, retried, notProcessed + 1)
                    : Deferred.Fail<HttpResponse>(error));
        }

        return SendHttp1(spec, key, scheme, host, port, retried);
    }

    private Deferred<HttpResponse> SendHttp1(HttpRequestSpec spec, string key, string scheme, string host, int port, bool retried)
    {
        HttpClientProtocol? used = null;
        return _pool.Acquire(key, () => Endpoint(scheme, host, port))
            .AddCallback(protocol =>
            {
                used = protocol;
                return protocol.Request(spec);
            })
            .AddErrback(error =>
            {
                if (error is ResponseNeverReceivedException && !retried && used is { Reused: true } && spec.Body is null && Idempotent.Contains(spec.Method))
                {
                    return Send(spec, retried: true);
                }

                return Deferred.Fail<HttpResponse>(error);
            });
    }

    private IStreamClientEndpoint Endpoint(string scheme, string host, int port)
    {
        var tcp = new HostnameEndpoint(_reactor, host, port, _options.Resolver, _options.ConnectTimeout);
        if (scheme != Uri.UriSchemeHttps)
        {
            return tcp;
        }

        var tls = _options.TlsOptionsForHost?.Invoke(host) ?? TlsOptions.Client(host);
        if (tls.ApplicationProtocols.Count == 0)
        {
            if (_options.EnableHttp2 && _proxy is null)
            {
                tls.ApplicationProtocols.Add("h2");
            }

            tls.ApplicationProtocols.Add("http/1.1");
        }

        return new TlsClientEndpoint(tcp, tls);
    }
}
