namespace Torsion.Web.Http2;

/// <summary>The frame types of RFC 9113 section 6.</summary>
public enum Http2FrameType : byte
{
    /// <summary>DATA (section 6.1).</summary>
    Data = 0,

    /// <summary>HEADERS (section 6.2).</summary>
    Headers = 1,

    /// <summary>PRIORITY (section 6.3, deprecated).</summary>
    Priority = 2,

    /// <summary>RST_STREAM (section 6.4).</summary>
    RstStream = 3,

    /// <summary>SETTINGS (section 6.5).</summary>
    Settings = 4,

    /// <summary>PUSH_PROMISE (section 6.6).</summary>
    PushPromise = 5,

    /// <summary>PING (section 6.7).</summary>
    Ping = 6,

    /// <summary>GOAWAY (section 6.8).</summary>
    GoAway = 7,

    /// <summary>WINDOW_UPDATE (section 6.9).</summary>
    WindowUpdate = 8,

    /// <summary>CONTINUATION (section 6.10).</summary>
    Continuation = 9,
}
