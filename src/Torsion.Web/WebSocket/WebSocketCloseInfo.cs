namespace Torsion.Web.WebSocket;

/// <summary>How a WebSocket connection ended.</summary>
/// <param name="Code">The peer's close code; 1005 if its close frame had none, 1006 if none arrived.</param>
/// <param name="Reason">The peer's close reason (may be empty).</param>
/// <param name="WasClean">Whether both close frames were exchanged before TCP closed (RFC 6455 section 7.1.4).</param>
public sealed record WebSocketCloseInfo(ushort Code, string Reason, bool WasClean)
{
    /// <summary>
    /// The close code this side sent: its own <see cref="WebSocketProtocol.Close"/>, the echo of the peer's code, or the
    /// code it failed the connection with (e.g. 1009 for a message over the limit); 1005 for an empty close frame, null if none was sent.
    /// </summary>
    public ushort? SentCode { get; init; }

    /// <summary>Why this side failed the connection (a protocol error or a limit), or null when it did not.</summary>
    public string? Error { get; init; }
}
