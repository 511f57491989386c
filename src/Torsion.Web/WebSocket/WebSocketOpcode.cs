namespace Torsion.Web.WebSocket;

/// <summary>Frame opcodes (RFC 6455 section 5.2); 3-7 and 0xB-0xF are reserved.</summary>
public enum WebSocketOpcode : byte
{
    /// <summary>A continuation of a fragmented message.</summary>
    Continuation = 0x0,

    /// <summary>The first frame of a text (UTF-8) message.</summary>
    Text = 0x1,

    /// <summary>The first frame of a binary message.</summary>
    Binary = 0x2,

    /// <summary>The close control frame.</summary>
    Close = 0x8,

    /// <summary>The ping control frame.</summary>
    Ping = 0x9,

    /// <summary>The pong control frame.</summary>
    Pong = 0xA,
}
