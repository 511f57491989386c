using Torsion.Endpoints;
using Torsion.Tls;
using Torsion.Web.Http;
using Torsion.Web.Http2;

namespace Torsion.Web.Client;

/// <summary>How an <see cref="Agent"/> connects, pools and times out; every bound has a documented default.</summary>
public sealed class AgentOptions
{
    /// <summary>The default options.</summary>
    public static AgentOptions Default { get; } = new();

    /// <summary>
    /// Most connections open at once to one (scheme, host, port); more requests wait. Default 8. Also bounds the HTTP/2
    /// connections per host when <see cref="Http2MultipleConnections"/> is set.
    /// </summary>
    public int MaxConnectionsPerHost { get; init; } = 8;

    /// <summary>How long an idle persistent connection stays in the pool. Default 60 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long connecting (TCP, not TLS) may take, and a proxy's answer to CONNECT. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long from sending a request to the response head; null: no limit. Default 100 s (as HttpClient).</summary>
    public TimeSpan? ResponseTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Resolves host names (default: the system resolver); tests inject one.</summary>
    public IHostResolver? Resolver { get; init; }

    /// <summary>
    /// TLS options for an https host (default: <see cref="TlsOptions.Client"/> with verification against the system
    /// roots). "http/1.1" is offered by ALPN when the options name no protocol.
    /// </summary>
    public Func<string, TlsOptions>? TlsOptionsForHost { get; init; }

    /// <summary>Limits on responses (status line, headers, body); default <see cref="HttpResponseParser.ClientLimits"/>.</summary>
    public HttpParserLimits? ResponseLimits { get; init; }

    /// <summary>
    /// Whether https requests offer HTTP/2 by ALPN ("h2" before "http/1.1"); when the server picks it, requests to that
    /// host share one HTTP/2 connection (or several, see <see cref="Http2MultipleConnections"/>). Default true.
    /// </summary>
    public bool EnableHttp2 { get; init; } = true;

    /// <summary>
    /// Whether a request that finds every HTTP/2 connection to its host at the server's SETTINGS_MAX_CONCURRENT_STREAMS
    /// opens another connection instead of waiting for a stream (as HttpClient's
    /// <c>SocketsHttpHandler.EnableMultipleHttp2Connections</c>). The HTTP/2 connections per (scheme, host, port) are
    /// bounded by the same <see cref="MaxConnectionsPerHost"/> as the HTTP/1.1 ones (counted apart); at that bound a
    /// request queues on the least loaded connection. Requests go to the oldest connection with a free stream, so that
    /// extra connections drain and close after <see cref="IdleTimeout"/>; one connection per host is opened at a time
    /// (requests beyond the free streams wait for it), and a new one takes requests once the server's SETTINGS
    /// arrived (within <see cref="ConnectTimeout"/>) so that its stream limit is known. Default false: one HTTP/2
    /// connection per host, requests beyond the limit wait for a stream on it.
    /// </summary>
    public bool Http2MultipleConnections { get; init; }

    /// <summary>Whether http:// requests speak HTTP/2 at once (h2c with prior knowledge, RFC 9113 section 3.3). Default false.</summary>
    public bool Http2PriorKnowledge { get; init; }

    /// <summary>
    /// The windows and limits of HTTP/2 connections (the receive windows per stream and per connection, header table and
    /// list sizes, CONTINUATION and SETTINGS/PING flood limits, the SETTINGS acknowledgement timeout); default
    /// <see cref="Http2Limits.Default"/>.
    /// </summary>
    public Http2Limits Http2 { get; init; } = Http2Limits.Default;
}
