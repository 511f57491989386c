namespace Torsion.Web.WebSocket;

/// <summary>Close status codes (RFC 6455 section 7.4.1) that this implementation sends.</summary>
public static class WebSocketCloseCode
{
    /// <summary>A normal closure.</summary>
    public const ushort Normal = 1000;

    /// <summary>The endpoint is going away (server shutdown, page navigation).</summary>
    public const ushort GoingAway = 1001;

    /// <summary>The peer broke the protocol.</summary>
    public const ushort ProtocolError = 1002;

    /// <summary>A data type the endpoint cannot accept.</summary>
    public const ushort UnsupportedData = 1003;

    /// <summary>No status code was present in the close frame (never sent on the wire).</summary>
    public const ushort NoStatus = 1005;

    /// <summary>The connection closed without a close frame (never sent on the wire).</summary>
    public const ushort Abnormal = 1006;

    /// <summary>A text message was not valid UTF-8.</summary>
    public const ushort InvalidPayload = 1007;

    /// <summary>A message broke the endpoint's policy.</summary>
    public const ushort PolicyViolation = 1008;

    /// <summary>A frame or message was larger than the endpoint accepts.</summary>
    public const ushort MessageTooBig = 1009;

    /// <summary>The client expected an extension the server did not negotiate.</summary>
    public const ushort MandatoryExtension = 1010;

    /// <summary>The server met an unexpected condition.</summary>
    public const ushort InternalError = 1011;

    /// <summary>Whether <paramref name="code"/> may appear in a close frame on the wire (section 7.4).</summary>
    public static bool IsValidOnWire(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
