using System.Buffers.Binary;

namespace Torsion.Web.Http2;

/// <summary>
/// Checks frames against RFC 9113 section 6 and takes their payloads apart. Every violation is an
/// <see cref="Http2Exception"/> naming the error code and whether it is a connection or a stream error.
/// Pure: no state beyond the arguments.
/// </summary>
public static class Http2FrameReader
{
    /// <summary>The smallest (and initial) SETTINGS_MAX_FRAME_SIZE.</summary>
    public const int MinMaxFrameSize = 16384;

    /// <summary>The largest SETTINGS_MAX_FRAME_SIZE.</summary>
    public const int MaxMaxFrameSize = (1 << 24) - 1;

    /// <summary>The largest flow-control window.</summary>
    public const int MaxWindowSize = int.MaxValue;

    /// <summary>
    /// Checks the header and the length-only rules of a frame a server receives: the size limit, the stream
    /// (0 or not) each type requires, the fixed lengths, and that a client sends no PUSH_PROMISE.
    /// </summary>
    public static void CheckHeader(in Http2FrameHeader header, int maxFrameSize)
    {
        if (header.Length > maxFrameSize)
        {
            throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A {header.Type} frame of {header.Length} bytes exceeds SETTINGS_MAX_FRAME_SIZE {maxFrameSize}.");
        }

        switch (header.Type)
        {
            case Http2FrameType.Data:
            case Http2FrameType.Headers:
            case Http2FrameType.Continuation:
                RequireStream(header);
                break;
            case Http2FrameType.Priority:
                RequireStream(header);
                if (header.Length != 5)
                {
                    throw Http2Exception.Stream(Http2ErrorCode.FrameSizeError, header.StreamId, $"A PRIORITY frame has {header.Length} bytes instead of 5.");
                }

                break;
            case Http2FrameType.RstStream:
                RequireStream(header);
                if (header.Length != 4)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A RST_STREAM frame has {header.Length} bytes instead of 4.");
                }

                break;
            case Http2FrameType.Settings:
                RequireConnection(header);
                if (header.Has(Http2FrameFlags.Ack) && header.Length != 0)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, "A SETTINGS acknowledgement has a payload.");
                }

                if (header.Length % 6 != 0)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A SETTINGS frame of {header.Length} bytes is not a multiple of 6.");
                }

                break;
            case Http2FrameType.PushPromise:
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "A client sent PUSH_PROMISE.");
            case Http2FrameType.Ping:
                RequireConnection(header);
                if (header.Length != 8)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A PING frame has {header.Length} bytes instead of 8.");
                }

                break;
            case Http2FrameType.GoAway:
                RequireConnection(header);
                if (header.Length < 8)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A GOAWAY frame has {header.Length} bytes, fewer than 8.");
                }

                break;
            case Http2FrameType.WindowUpdate:
                if (header.Length != 4)
                {
                    throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A WINDOW_UPDATE frame has {header.Length} bytes instead of 4.");
                }

                break;
        }
    }

    /// <summary>The data of a DATA frame without its padding.</summary>
    public static ReadOnlySpan<byte> DataPayload(in Http2FrameHeader header, ReadOnlySpan<byte> payload) => Unpad(header, payload);

    /// <summary>The header block fragment of a HEADERS frame, without padding and priority fields.</summary>
    public static ReadOnlySpan<byte> HeadersPayload(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var body = Unpad(header, payload);
        if (!header.Has(Http2FrameFlags.Priority))
        {
            return body;
        }

        if (body.Length < 5)
        {
            throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, "A HEADERS frame with PRIORITY is too short for its priority fields.");
        }

        CheckDependency(header.StreamId, body);
        return body[5..];
    }

    /// <summary>Checks a PRIORITY frame (priorities themselves are not acted on).</summary>
    public static void CheckPriority(in Http2FrameHeader header, ReadOnlySpan<byte> payload) => CheckDependency(header.StreamId, payload);

    /// <summary>The error code of a RST_STREAM frame.</summary>
    public static Http2ErrorCode RstStreamCode(ReadOnlySpan<byte> payload) => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);

    /// <summary>The increment of a WINDOW_UPDATE frame; 0 is a (stream or connection) PROTOCOL_ERROR.</summary>
    public static int WindowIncrement(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var increment = (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF);
        if (increment == 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, header.StreamId, "A WINDOW_UPDATE frame has an increment of 0.");
        }

        return increment;
    }

    /// <summary>One SETTINGS parameter checked against section 6.5.2.</summary>
    public static (Http2SettingId Id, uint Value) Setting(ReadOnlySpan<byte> payload, int index)
    {
        var entry = payload.Slice(index * 6, 6);
        var id = (Http2SettingId)BinaryPrimitives.ReadUInt16BigEndian(entry);
        var value = BinaryPrimitives.ReadUInt32BigEndian(entry[2..]);
        switch (id)
        {
            case Http2SettingId.EnablePush when value > 1:
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"SETTINGS_ENABLE_PUSH is {value}, not 0 or 1.");
            case Http2SettingId.InitialWindowSize when value > MaxWindowSize:
                throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE {value} exceeds 2^31 - 1.");
            case Http2SettingId.MaxFrameSize when value < MinMaxFrameSize || value > MaxMaxFrameSize:
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE {value} is outside 16384 to 16777215.");
        }

        return (id, value);
    }

    /// <summary>The last stream id and error code of a GOAWAY frame.</summary>
    public static (int LastStreamId, Http2ErrorCode ErrorCode) GoAway(ReadOnlySpan<byte> payload) =>
        ((int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF), (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]));

    private static void CheckDependency(int streamId, ReadOnlySpan<byte> fields)
    {
        var dependency = (int)(BinaryPrimitives.ReadUInt32BigEndian(fields) & 0x7FFFFFFF);
        if (dependency == streamId)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, streamId, $"Stream {streamId} depends on itself.");
        }
    }

    private static ReadOnlySpan<byte> Unpad(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!header.Has(Http2FrameFlags.Padded))
        {
            return payload;
        }

        if (payload.IsEmpty)
        {
            throw Http2Exception.Connection(Http2ErrorCode.FrameSizeError, $"A padded {header.Type} frame has no pad length.");
        }

        var pad = payload[0];
        if (pad >= payload.Length)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"The padding of a {header.Type} frame ({pad} bytes) is not shorter than its payload.");
        }

        return payload.Slice(1, payload.Length - 1 - pad);
    }

    private static void RequireStream(in Http2FrameHeader header)
    {
        if (header.StreamId == 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A {header.Type} frame is on stream 0.");
        }
    }

    private static void RequireConnection(in Http2FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A {header.Type} frame is on stream {header.StreamId} instead of 0.");
        }
    }
}
