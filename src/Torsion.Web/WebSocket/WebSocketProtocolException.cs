namespace Torsion.Web.WebSocket;

/// <summary>The peer broke RFC 6455 (or a limit): the connection is failed with <see cref="CloseCode"/>.</summary>
public sealed class WebSocketProtocolException : Exception
{
    /// <summary>Makes the exception.</summary>
    /// <param name="closeCode">The close code to send (e.g. 1002, 1007, 1009).</param>
    /// <param name="message">What the peer did wrong.</param>
    public WebSocketProtocolException(ushort closeCode, string message)
        : base(message)
    {
        CloseCode = closeCode;
    }

    /// <summary>Makes the exception with code 1002.</summary>
    public WebSocketProtocolException()
        : this(WebSocketCloseCode.ProtocolError, "WebSocket protocol error.")
    {
    }

    /// <summary>Makes the exception with code 1002.</summary>
    public WebSocketProtocolException(string message)
        : this(WebSocketCloseCode.ProtocolError, message)
    {
    }

    /// <summary>Makes the exception with code 1002.</summary>
    public WebSocketProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        CloseCode = WebSocketCloseCode.ProtocolError;
    }

    /// <summary>The close code that reports this error to the peer.</summary>
    public ushort CloseCode { get; }
}
