namespace Torsion.Web.Http2;

/// <summary>The limits and windows of an HTTP/2 connection (server, and the client of <c>Agent</c>); each has a documented default.</summary>
public sealed class Http2Limits
{
    /// <summary>The defaults.</summary>
    public static Http2Limits Default { get; } = new();

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS: streams open at once; more are refused with REFUSED_STREAM. Default 100.</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may send ahead of the application. Default 768 KiB.</summary>
    public int InitialStreamWindowSize { get; init; } = 768 * 1024;

    /// <summary>The connection's receive window: request body bytes of all streams buffered at most. Default 1 MiB.</summary>
    public int ConnectionWindowSize { get; init; } = 1024 * 1024;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table the client may use. Default 4096.</summary>
    public int HeaderTableSize { get; init; } = 4096;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE: decoded bytes of one header list (name + value + 32 per field). Default 32 KiB.</summary>
    public int MaxHeaderListSize { get; init; } = 32 * 1024;

    /// <summary>Encoded bytes of one header block (HEADERS plus CONTINUATION frames): the CONTINUATION flood defence. Default 32 KiB.</summary>
    public int MaxHeaderBlockSize { get; init; } = 32 * 1024;

    /// <summary>CONTINUATION frames allowed in one header block. Default 32.</summary>
    public int MaxContinuationFrames { get; init; } = 32;

    /// <summary>RST_STREAM frames from the client allowed per <see cref="ResetWindow"/> (rapid reset, CVE-2023-44487). Default 200.</summary>
    public int MaxResetsPerWindow { get; init; } = 200;

    /// <summary>The window over which client resets are counted. Default 30 s.</summary>
    public TimeSpan ResetWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A stream that waits on the peer (for request body DATA, or for WINDOW_UPDATE to send its response) and receives
    /// no frame for this long is reset with CANCEL (the slow-loris defence per stream); a stream whose handler is still
    /// working with nothing owed by the peer is not. <see cref="TimeSpan.Zero"/> disables it. Default 60 s.
    /// </summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>SETTINGS and PING frames (not acknowledgements) allowed per <see cref="ControlFrameWindow"/>. Default 100.</summary>
    public int MaxControlFramesPerWindow { get; init; } = 100;

    /// <summary>The window over which SETTINGS and PING frames are counted. Default 10 s.</summary>
    public TimeSpan ControlFrameWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the peer has to acknowledge this side's SETTINGS (RFC 9113 section 6.5.3) before the connection is closed
    /// with GOAWAY SETTINGS_TIMEOUT. <see cref="TimeSpan.Zero"/> disables it. Default 10 s.
    /// </summary>
    public TimeSpan SettingsTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The server's graceful shutdown (RFC 9113 section 6.8) sends a first GOAWAY with the last stream id 2^31-1 and a
    /// PING, and the final GOAWAY (with the real last stream id) when the PING's ACK arrives or after this long, so that
    /// requests the client sent before it saw the first GOAWAY are still served. <see cref="TimeSpan.Zero"/>: one GOAWAY
    /// with the real last stream id at once. Default 1 s.
    /// </summary>
    public TimeSpan ShutdownPingTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
