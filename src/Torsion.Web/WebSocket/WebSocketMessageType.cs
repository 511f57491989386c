namespace Torsion.Web.WebSocket;

/// <summary>The kind of a data message.</summary>
public enum WebSocketMessageType
{
    /// <summary>UTF-8 text (validated on receive).</summary>
    Text = 1,

    /// <summary>Bytes.</summary>
    Binary = 2,
}
