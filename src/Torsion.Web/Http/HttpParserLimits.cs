namespace Torsion.Web.Http;

/// <summary>
/// The bounds <see cref="HttpRequestParser"/> enforces, each answered with its own status
/// (defaults as Kestrel's: 8 KiB request line, 32 KiB of headers, 100 headers, 30,000,000 bytes of body).
/// </summary>
public sealed class HttpParserLimits
{
    /// <summary>The default limits.</summary>
    public static HttpParserLimits Default { get; } = new();

    /// <summary>Longest request line (method, target, version) in bytes; longer is answered with 414. Default 8 KiB.</summary>
    public int MaxRequestLineSize { get; init; } = 8 * 1024;

    /// <summary>Most bytes of header lines after the request line (and of trailers); more is answered with 431. Default 32 KiB.</summary>
    public int MaxHeaderSize { get; init; } = 32 * 1024;

    /// <summary>Most header fields in one request; more is answered with 431. Default 100.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Largest request body in bytes (declared or chunked); larger is answered with 413. Default 30,000,000; null: no limit.</summary>
    public long? MaxBodySize { get; init; } = 30_000_000;

    /// <summary>Longest chunk-size line (with its extensions) in a chunked body; longer is answered with 400. Default 4 KiB.</summary>
    public int MaxChunkLineSize { get; init; } = 4 * 1024;

    /// <summary>
    /// Whether a bare LF ends a line (RFC 9112 section 2.2 allows it). Default false: a bare LF is answered with 400,
    /// as a proxy in front of this server may frame the message differently. A bare CR is always rejected.
    /// </summary>
    public bool AllowBareLineFeed { get; init; }
}
