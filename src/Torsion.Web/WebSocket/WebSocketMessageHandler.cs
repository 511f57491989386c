namespace Torsion.Web.WebSocket;

/// <summary>Receives one whole message. The payload is valid only during the call (copy what you keep).</summary>
/// <param name="sender">The connection.</param>
/// <param name="type">Text (valid UTF-8) or binary.</param>
/// <param name="payload">The message bytes.</param>
public delegate void WebSocketMessageHandler(WebSocketProtocol sender, WebSocketMessageType type, ReadOnlySpan<byte> payload);
