namespace Torsion.Web.WebSocket;

/// <summary>What <see cref="WebSocketFrameParser.Parse"/> found.</summary>
public enum WebSocketParseResult
{
    /// <summary>All input was used; more bytes are needed.</summary>
    NeedMoreData,

    /// <summary>A whole data message is in <see cref="WebSocketFrameParser.Payload"/>.</summary>
    Message,

    /// <summary>A control frame (close, ping, pong) is in <see cref="WebSocketFrameParser.Payload"/>.</summary>
    Control,
}
