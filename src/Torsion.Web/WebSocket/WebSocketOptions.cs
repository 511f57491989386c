using Torsion.Tls;

namespace Torsion.Web.WebSocket;

/// <summary>Settings of a WebSocket connection, server or client side. Every limit has a default.</summary>
public sealed class WebSocketOptions
{
    /// <summary>The defaults.</summary>
    public static WebSocketOptions Default { get; } = new();

    /// <summary>The largest frame payload accepted; larger closes with 1009. Default 16 MiB.</summary>
    public long MaxFrameSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>The largest message accepted (fragments joined, after decompression); larger closes with 1009. Default 16 MiB.</summary>
    public long MaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long to wait for the peer's close frame (and, on a client, for the server to close TCP). Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages longer than this are sent as several frames; 0 (the default): one frame per message.</summary>
    public int SendFragmentSize { get; init; }

    /// <summary>Subprotocols: on a server, those accepted in order of preference; on a client, those offered.</summary>
    public IReadOnlyList<string> Subprotocols { get; init; } = [];

    /// <summary>Whether to negotiate permessage-deflate (RFC 7692). Default true.</summary>
    public bool Compression { get; init; } = true;

    /// <summary>Ask that the server resets its compression context after each message (less memory, worse ratio).</summary>
    public bool ServerNoContextTakeover { get; init; }

    /// <summary>Ask that the client resets its compression context after each message.</summary>
    public bool ClientNoContextTakeover { get; init; }

    /// <summary>Server only: decides on the Origin header (null when absent); false answers 403. Null: any origin.</summary>
    public Func<string?, bool>? CheckOrigin { get; init; }

    /// <summary>Client only: TLS settings for wss:// (null: verify the server's name against the system roots).</summary>
    public TlsOptions? Tls { get; init; }

    /// <summary>Client only: extra header fields of the opening request.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Client only: how long the TCP/TLS connection and the opening handshake may take. Default 30 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
