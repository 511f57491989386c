using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Torsion.Web.WebSocket;

/// <summary>The XOR masking of RFC 6455 section 5.3, a vector at a time.</summary>
public static class WebSocketMask
{
    /// <summary>
    /// XORs <paramref name="data"/> in place with the 4-byte <paramref name="key"/> (network order), starting at key
    /// position <paramref name="offset"/>; returns the key position after the data (to continue with the next chunk).
    /// </summary>
    public static int Apply(Span<byte> data, uint key, int offset)
    {
        offset &= 3;
        var i = 0;
        if (data.Length >= 8)
        {
            // Rotate so that byte 0 of the data meets key byte 'offset'.
            Span<byte> k = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(k, key);
            Span<byte> rotated = stackalloc byte[4];
            for (var j = 0; j < 4; j++)
            {
                rotated[j] = k[(offset + j) & 3];
            }

            var word = MemoryMarshal.Read<uint>(rotated);
            if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
            {
                var mask = Vector.AsVectorByte(new Vector<uint>(word));
                var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(data);
                for (var v = 0; v < vectors.Length; v++)
                {
                    vectors[v] ^= mask;
                }

                i = vectors.Length * Vector<byte>.Count;
            }

            var wide = ((ulong)word << 32) | word;
            var longs = MemoryMarshal.Cast<byte, ulong>(data[i..]);
            for (var l = 0; l < longs.Length; l++)
            {
                longs[l] ^= wide;
            }

            i += longs.Length * 8;
        }

        if (i < data.Length)
        {
            Span<byte> k = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(k, key);
            for (; i < data.Length; i++)
            {
                data[i] ^= k[(offset + i) & 3];
            }
        }

        return (offset + data.Length) & 3;
    }
}
