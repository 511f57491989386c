namespace Torsion.Web.Http;

/// <summary>The HTTP version of a request line.</summary>
public enum HttpProtocolVersion
{
    /// <summary>HTTP/1.0: the connection closes after the response unless the client asks for keep-alive.</summary>
    Http10,

    /// <summary>HTTP/1.1 (and 1.x with x above 1, treated as 1.1 per RFC 9110 section 2.5).</summary>
    Http11,

    /// <summary>HTTP/2 (RFC 9113): one stream of a multiplexed connection.</summary>
    Http2,
}
