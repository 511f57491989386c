using System.Net;
using Torsion.Transports;

namespace Torsion.Web.Http;

/// <summary>
/// One request as the server protocol sees it: the parsed head and the body, read under flow control.
/// Reused for the connection's next request: valid until its response is finished.
/// </summary>
public sealed class HttpServerRequest
{
    private readonly IHttpExchange _protocol;

    internal HttpServerRequest(IHttpExchange protocol, HttpRequestHead head)
    {
        _protocol = protocol;
        Head = head;
    }

    /// <summary>The parsed request line and header fields.</summary>
    public HttpRequestHead Head { get; }

    /// <summary>The method token.</summary>
    public ReadOnlySpan<byte> Method => Head.Method;

    /// <summary>The method, when it is a common one.</summary>
    public KnownMethod KnownMethod => Head.KnownMethod;

    /// <summary>The request target as sent.</summary>
    public ReadOnlySpan<byte> Target => Head.Target;

    /// <summary>The path (percent-encoded, no query).</summary>
    public ReadOnlySpan<byte> Path => Head.Path;

    /// <summary>The query string without <c>?</c>.</summary>
    public ReadOnlySpan<byte> Query => Head.Query;

    /// <summary>The HTTP version of the request.</summary>
    public HttpProtocolVersion Version => Head.Version;

    /// <summary>The client's address.</summary>
    public EndPoint Peer => _protocol.Transport.Peer;

    /// <summary>This server's address.</summary>
    public EndPoint Host => _protocol.Transport.Host;

    /// <summary>The connection's transport (for capabilities such as TLS).</summary>
    public ITransport Transport => _protocol.Transport;

    /// <summary>Whether the request has a body (chunked, or a Content-Length above zero).</summary>
    public bool HasBody => Head.HasBody;

    /// <summary>
    /// Starts delivering the body to <paramref name="receiver"/> (sending <c>100 Continue</c> first when the client
    /// waits for it). Bytes are delivered as they arrive; the connection stops reading while the body is paused.
    /// A request without body completes at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The body is already being read.</exception>
    public void ReadBody(IHttpBodyReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        _protocol.StartBody(receiver);
    }

    /// <summary>Stops delivering body bytes (and, once the buffer is full, reading the connection) until <see cref="ResumeBody"/>.</summary>
    public void PauseBody() => _protocol.PauseBody();

    /// <summary>Delivers body bytes again after <see cref="PauseBody"/>.</summary>
    public void ResumeBody() => _protocol.ResumeBody();

    /// <inheritdoc/>
    public override string ToString() => Head.ToString();
}
