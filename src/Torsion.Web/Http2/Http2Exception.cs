namespace Torsion.Web.Http2;

/// <summary>
/// A violation of RFC 9113: a connection error (<see cref="StreamId"/> 0, answered with GOAWAY) or a stream error
/// (answered with RST_STREAM on that stream).
/// </summary>
public sealed class Http2Exception : Exception
{
    /// <summary>Makes the exception.</summary>
    public Http2Exception(Http2ErrorCode errorCode, int streamId, string message)
        : base(message)
    {
        ErrorCode = errorCode;
        StreamId = streamId;
    }

    /// <summary>Makes a connection error of type PROTOCOL_ERROR.</summary>
    public Http2Exception(string message)
        : this(Http2ErrorCode.ProtocolError, 0, message)
    {
    }

    /// <summary>Makes a connection error of type PROTOCOL_ERROR.</summary>
    public Http2Exception(string message, Exception inner)
        : base(message, inner)
    {
        ErrorCode = Http2ErrorCode.ProtocolError;
    }

    /// <summary>Makes a connection error of type PROTOCOL_ERROR.</summary>
    public Http2Exception()
        : this("HTTP/2 protocol error.")
    {
    }

    /// <summary>The error code to send.</summary>
    public Http2ErrorCode ErrorCode { get; }

    /// <summary>The stream in error, or 0 for a connection error.</summary>
    public int StreamId { get; }

    /// <summary>Whether the whole connection is in error.</summary>
    public bool IsConnectionError => StreamId == 0;

    internal static Http2Exception Connection(Http2ErrorCode code, string message) => new(code, 0, message);

    internal static Http2Exception Stream(Http2ErrorCode code, int streamId, string message) => new(code, streamId, message);
}
