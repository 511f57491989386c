using System.Buffers.Binary;

namespace Torsion.Web.WebSocket;

/// <summary>Writes frame headers (RFC 6455 section 5.2) with the shortest length encoding.</summary>
public static class WebSocketFrameFormatter
{
    /// <summary>The longest header: 2 + 8 length bytes + 4 mask bytes.</summary>
    public const int MaxHeaderLength = 14;

    /// <summary>Writes a frame header to <paramref name="destination"/> and returns its length.</summary>
    /// <param name="destination">At least <see cref="MaxHeaderLength"/> bytes.</param>
    /// <param name="fin">Whether this is the last frame of its message.</param>
    /// <param name="rsv1">The per-message-compressed bit (RFC 7692), on the first frame only.</param>
    /// <param name="opcode">The opcode.</param>
    /// <param name="payloadLength">The payload length.</param>
    /// <param name="maskKey">The masking key (clients), or null (servers).</param>
    public static int WriteHeader(Span<byte> destination, bool fin, bool rsv1, WebSocketOpcode opcode, long payloadLength, uint? maskKey)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        destination[0] = (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (byte)opcode);
        var maskBit = maskKey.HasValue ? 0x80 : 0;
        int n;
        if (payloadLength < 126)
        {
            destination[1] = (byte)(maskBit | (int)payloadLength);
            n = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            n = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            n = 10;
        }

        if (maskKey is { } key)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[n..], key);
            n += 4;
        }

        return n;
    }
}
