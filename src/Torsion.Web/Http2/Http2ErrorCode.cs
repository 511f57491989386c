namespace Torsion.Web.Http2;

/// <summary>The error codes of RFC 9113 section 7, sent in RST_STREAM and GOAWAY.</summary>
public enum Http2ErrorCode : uint
{
    /// <summary>Graceful shutdown.</summary>
    NoError = 0x0,

    /// <summary>A protocol error.</summary>
    ProtocolError = 0x1,

    /// <summary>An internal error.</summary>
    InternalError = 0x2,

    /// <summary>Flow control was violated.</summary>
    FlowControlError = 0x3,

    /// <summary>SETTINGS were not acknowledged in time.</summary>
    SettingsTimeout = 0x4,

    /// <summary>A frame arrived on a closed stream.</summary>
    StreamClosed = 0x5,

    /// <summary>A frame had the wrong size.</summary>
    FrameSizeError = 0x6,

    /// <summary>The stream was refused before any processing.</summary>
    RefusedStream = 0x7,

    /// <summary>The stream is no longer needed.</summary>
    Cancel = 0x8,

    /// <summary>The header compression state could not be kept.</summary>
    CompressionError = 0x9,

    /// <summary>A CONNECT tunnel failed.</summary>
    ConnectError = 0xa,

    /// <summary>The peer behaves in a way that looks abusive.</summary>
    EnhanceYourCalm = 0xb,

    /// <summary>The transport is not secure enough.</summary>
    InadequateSecurity = 0xc,

    /// <summary>Use HTTP/1.1 instead.</summary>
    Http11Required = 0xd,
}
