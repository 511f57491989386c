namespace Torsion.Web.Client;

/// <summary>
/// An HTTP proxy did not open a tunnel (CONNECT, RFC 9110 section 9.3.6) to the origin: it answered with a status other
/// than 2xx (407 Proxy Authentication Required, 403 Forbidden, 502 Bad Gateway...), with a malformed answer, or it closed.
/// </summary>
public sealed class ProxyTunnelException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ProxyTunnelException() : base("The proxy did not open a tunnel.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ProxyTunnelException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ProxyTunnelException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for a proxy answer with <paramref name="statusCode"/>.</summary>
    public ProxyTunnelException(string message, int statusCode) : base(message) => StatusCode = statusCode;

    /// <summary>The status code the proxy answered CONNECT with, or 0 when it did not answer one.</summary>
    public int StatusCode { get; }
}
