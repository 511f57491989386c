namespace Torsion.Web.Http2;

/// <summary>The flags of RFC 9113 frames (their meaning depends on the frame type).</summary>
[Flags]
public enum Http2FrameFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>END_STREAM (DATA, HEADERS) or ACK (SETTINGS, PING).</summary>
    EndStream = 0x1,

    /// <summary>ACK (SETTINGS, PING): the same bit as END_STREAM.</summary>
#pragma warning disable CA1069 // RFC 9113 gives bit 0x1 two names by frame type.
    Ack = 0x1,
#pragma warning restore CA1069

    /// <summary>END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).</summary>
    EndHeaders = 0x4,

    /// <summary>PADDED (DATA, HEADERS, PUSH_PROMISE).</summary>
    Padded = 0x8,

    /// <summary>PRIORITY (HEADERS).</summary>
    Priority = 0x20,
}
