namespace Torsion.Web.WebSocket;

/// <summary>How a WebSocket connection ended.</summary>
/// <param name="Code">The peer's close code; 1005 if its close frame had none, 1006 if none arrived.</param>
/// <param name="Reason">The peer's close reason (may be empty).</param>
/// <param name="WasClean">Whether both close frames were exchanged before TCP closed (RFC 6455 section 7.1.4).</param>
public sealed record WebSocketCloseInfo(ushort Code, string Reason, bool WasClean);
