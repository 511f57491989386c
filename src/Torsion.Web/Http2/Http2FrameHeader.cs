using System.Buffers.Binary;

namespace Torsion.Web.Http2;

/// <summary>The 9-byte header of every HTTP/2 frame (RFC 9113 section 4.1).</summary>
/// <param name="Length">The payload length (24 bits).</param>
/// <param name="Type">The frame type.</param>
/// <param name="Flags">The flags.</param>
/// <param name="StreamId">The stream (31 bits; the reserved bit is ignored).</param>
public readonly record struct Http2FrameHeader(int Length, Http2FrameType Type, Http2FrameFlags Flags, int StreamId)
{
    /// <summary>The size of a frame header in bytes.</summary>
    public const int Size = 9;

    /// <summary>Whether a flag is set.</summary>
    public bool Has(Http2FrameFlags flag) => (Flags & flag) != 0;

    /// <summary>Reads a frame header; false when fewer than 9 bytes are available.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out Http2FrameHeader header)
    {
        if (input.Length < Size)
        {
            header = default;
            return false;
        }

        var length = (input[0] << 16) | (input[1] << 8) | input[2];
        var streamId = (int)(BinaryPrimitives.ReadUInt32BigEndian(input[5..]) & 0x7FFFFFFF);
        header = new Http2FrameHeader(length, (Http2FrameType)input[3], (Http2FrameFlags)input[4], streamId);
        return true;
    }

    /// <summary>Writes this header into the first 9 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId & 0x7FFFFFFF);
    }
}
