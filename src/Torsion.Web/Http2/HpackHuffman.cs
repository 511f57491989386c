namespace Torsion.Web.Http2;

/// <summary>
/// The static Huffman code of HPACK (RFC 7541 section 5.2, Appendix B). The code is canonical: it is given here as the
/// 257 code lengths of Appendix B (symbols 0-255 and EOS), from which the codes of the table follow in order of
/// (length, symbol).
/// </summary>
internal static class HpackHuffman
{
    private const int Eos = 256;

    private static readonly byte[] Lengths =
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];

    private static readonly uint[] Codes = new uint[257];
    private static readonly uint[] FirstCode = new uint[31];
    private static readonly int[] FirstIndex = new int[31];
    private static readonly int[] CountOfLength = new int[31];
    private static readonly short[] Sorted = new short[257];

    static HpackHuffman()
    {
        var order = new short[257];
        for (short s = 0; s < 257; s++)
        {
            order[s] = s;
        }

        Array.Sort(order, (a, b) => Lengths[a] != Lengths[b] ? Lengths[a].CompareTo(Lengths[b]) : a.CompareTo(b));
        uint code = 0;
        int previous = Lengths[order[0]];
        for (var i = 0; i < 257; i++)
        {
            var s = order[i];
            int length = Lengths[s];
            code <<= length - previous;
            previous = length;
            if (CountOfLength[length] == 0)
            {
                FirstCode[length] = code;
                FirstIndex[length] = i;
            }

            CountOfLength[length]++;
            Codes[s] = code;
            Sorted[i] = s;
            code++;
        }
    }

    /// <summary>The number of bytes <paramref name="data"/> takes Huffman-coded.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> data)
    {
        long bits = 0;
        foreach (var b in data)
        {
            bits += Lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>Huffman-codes <paramref name="data"/> into <paramref name="destination"/> (padded with the EOS prefix); returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        foreach (var b in data)
        {
            int length = Lengths[b];
            acc = (acc << length) | Codes[b];
            bits += length;
            while (bits >= 8)
            {
                bits -= 8;
                destination[pos++] = (byte)(acc >> bits);
            }
        }

        if (bits > 0)
        {
            var pad = 8 - bits;
            destination[pos++] = (byte)((acc << pad) | ((1u << pad) - 1));
        }

        return pos;
    }

    /// <summary>
    /// Decodes a Huffman-coded string, appending to <paramref name="destination"/> from <paramref name="start"/> (grown as needed).
    /// Returns the end position. Throws for an EOS symbol, padding longer than 7 bits, or padding that is not all ones.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> data, ref byte[] destination, int start)
    {
        ulong acc = 0;
        var bits = 0;
        var pos = start;
        var i = 0;
        while (true)
        {
            while (bits <= 56 && i < data.Length)
            {
                acc = (acc << 8) | data[i++];
                bits += 8;
            }

            if (bits < 5)
            {
                break;
            }

            var found = false;
            for (var length = 5; length <= 30 && length <= bits; length++)
            {
                var code = (uint)(acc >> (bits - length)) & ((1u << length) - 1);
                var offset = code - FirstCode[length];
                if (CountOfLength[length] > 0 && code >= FirstCode[length] && offset < (uint)CountOfLength[length])
                {
                    var symbol = Sorted[FirstIndex[length] + (int)offset];
                    if (symbol == Eos)
                    {
                        throw new HpackException("A Huffman-coded string contains the EOS symbol.");
                    }

                    if (pos == destination.Length)
                    {
                        Array.Resize(ref destination, Math.Max(64, destination.Length * 2));
                    }

                    destination[pos++] = (byte)symbol;
                    bits -= length;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                // Too few bits left for any code: they must be padding.
                break;
            }
        }

        if (bits > 7)
        {
            throw new HpackException("A Huffman-coded string ends with more than 7 bits of padding or an incomplete code.");
        }

        var mask = (1ul << bits) - 1;
        if ((acc & mask) != mask)
        {
            throw new HpackException("A Huffman-coded string is padded with bits that are not the EOS prefix (all ones).");
        }

        return pos;
    }
}
