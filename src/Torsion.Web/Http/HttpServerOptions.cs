using Microsoft.Extensions.Logging;

namespace Torsion.Web.Http;

/// <summary>Settings of <see cref="HttpServerProtocol"/>; each has a documented default.</summary>
public sealed class HttpServerOptions
{
    /// <summary>The defaults.</summary>
    public static HttpServerOptions Default { get; } = new();

    /// <summary>Parser limits (request line, headers, body).</summary>
    public HttpParserLimits Limits { get; init; } = HttpParserLimits.Default;

    /// <summary>The Server header value; null or empty sends none. Default "Torsion".</summary>
    public string? ServerName { get; init; } = "Torsion";

    /// <summary>Time allowed from the first byte of a request to the end of its head (slowloris defence); 408 and close after it. Default 30 s.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Time allowed between two arrivals of body bytes while the application reads the body (not while it paused it);
    /// 408 and close after it (the connection is aborted when the response has started). Default 30 s.
    /// </summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time an idle keep-alive connection stays open waiting for the next request. Default 120 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Response bytes kept before the head is sent: a response finished within it gets a Content-Length;
    /// a longer one without a declared length is sent chunked. Default 64 KiB.
    /// </summary>
    public int ResponseBufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Unread request bytes kept (a body the application has not read yet, pipelined requests waiting)
    /// before the connection stops reading (flow control). Default 1 MiB.
    /// </summary>
    public int MaxRequestBufferSize { get; init; } = 1024 * 1024;

    /// <summary>Where errors of handlers are logged. Default: nowhere (a 500 is still sent).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Told about each answered request (e.g. <c>Torsion.Web.Server.CombinedLogFormatter</c>). Default: none.</summary>
    public IHttpAccessLog? AccessLog { get; init; }

    /// <summary>
    /// Whether <see cref="HttpServerFactory"/> connections also speak HTTP/2: over TLS when ALPN chose "h2", in cleartext
    /// when the client starts with the HTTP/2 preface (prior knowledge). Default true.
    /// </summary>
    public bool EnableHttp2 { get; init; } = true;

    /// <summary>Limits and windows of HTTP/2 connections (<see cref="Torsion.Web.Http2.Http2ServerProtocol"/>).</summary>
    public Torsion.Web.Http2.Http2Limits Http2 { get; init; } = Torsion.Web.Http2.Http2Limits.Default;

    /// <summary>The wall clock for the Date header (tests pass a fixed one). Default: the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
