using System.Buffers;
using System.Buffers.Binary;

namespace Torsion.Web.Http2;

/// <summary>Writes HTTP/2 frames (RFC 9113 section 6) into a buffer writer. Pure: no state beyond the arguments.</summary>
public static class Http2FrameWriter
{
    /// <summary>Writes a frame header followed by <paramref name="payload"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, Http2FrameType type, Http2FrameFlags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(Http2FrameHeader.Size + payload.Length);
        new Http2FrameHeader(payload.Length, type, flags, streamId).Write(span);
        payload.CopyTo(span[Http2FrameHeader.Size..]);
        output.Advance(Http2FrameHeader.Size + payload.Length);
    }

    /// <summary>Writes a SETTINGS frame with the given parameters.</summary>
    public static void WriteSettings(IBufferWriter<byte> output, ReadOnlySpan<(Http2SettingId Id, uint Value)> settings)
    {
        Span<byte> payload = stackalloc byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload[(i * 6)..], (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload[((i * 6) + 2)..], settings[i].Value);
        }

        WriteFrame(output, Http2FrameType.Settings, Http2FrameFlags.None, 0, payload);
    }

    /// <summary>Writes a SETTINGS acknowledgement.</summary>
    public static void WriteSettingsAck(IBufferWriter<byte> output) => WriteFrame(output, Http2FrameType.Settings, Http2FrameFlags.Ack, 0, default);

    /// <summary>Writes a PING (or its acknowledgement) with 8 bytes of opaque data.</summary>
    public static void WritePing(IBufferWriter<byte> output, ReadOnlySpan<byte> opaque, bool ack) =>
        WriteFrame(output, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0, opaque);

    /// <summary>Writes a GOAWAY frame.</summary>
    public static void WriteGoAway(IBufferWriter<byte> output, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debug = default)
    {
        var payload = new byte[8 + debug.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)code);
        debug.CopyTo(payload.AsSpan(8));
        WriteFrame(output, Http2FrameType.GoAway, Http2FrameFlags.None, 0, payload);
    }

    /// <summary>Writes a RST_STREAM frame.</summary>
    public static void WriteRstStream(IBufferWriter<byte> output, int streamId, Http2ErrorCode code)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        WriteFrame(output, Http2FrameType.RstStream, Http2FrameFlags.None, streamId, payload);
    }

    /// <summary>Writes a WINDOW_UPDATE frame.</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> output, int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        WriteFrame(output, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId, payload);
    }

    /// <summary>Writes a DATA frame.</summary>
    public static void WriteData(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> data, bool endStream) =>
        WriteFrame(output, Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None, streamId, data);

    /// <summary>Writes a header block as one HEADERS frame and as many CONTINUATION frames as <paramref name="maxFrameSize"/> requires.</summary>
    public static void WriteHeaders(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> block, bool endStream, int maxFrameSize)
    {
        var first = Math.Min(block.Length, maxFrameSize);
        var flags = (endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None) | (first == block.Length ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None);
        WriteFrame(output, Http2FrameType.Headers, flags, streamId, block[..first]);
        var pos = first;
        while (pos < block.Length)
        {
            var n = Math.Min(block.Length - pos, maxFrameSize);
            WriteFrame(output, Http2FrameType.Continuation, pos + n == block.Length ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None, streamId, block.Slice(pos, n));
            pos += n;
        }
    }
}
