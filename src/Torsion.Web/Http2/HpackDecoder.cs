namespace Torsion.Web.Http2;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541): indexed fields, literals with and without indexing, Huffman strings,
/// dynamic table size updates (only at the start of a block, never above the limit this side announced), and a
/// limit on the decoded header list size (RFC 9113 section 6.5.2) that stops HPACK bombs. Every failure is an
/// <see cref="HpackException"/> (COMPRESSION_ERROR); after one, the decoder must not be used again.
/// </summary>
public sealed class HpackDecoder
{
    private const int MaxIntegerBytes = 5;

    private readonly HpackDynamicTable _table;
    private byte[] _name = new byte[128];
    private byte[] _value = new byte[256];
    private int _settingsLimit;
    private bool _sizeUpdateRequired;

    /// <summary>Makes a decoder.</summary>
    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this side announces. Default 4096.</param>
    /// <param name="maxHeaderListSize">The most decoded bytes (name + value + 32 per field) one block may produce. Default 64 KiB.</param>
    public HpackDecoder(int maxTableSize = 4096, int maxHeaderListSize = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderListSize);
        _settingsLimit = maxTableSize;
        _table = new HpackDynamicTable(maxTableSize);
        MaxHeaderListSize = maxHeaderListSize;
    }

    /// <summary>The most decoded bytes (name + value + 32 per field) one header block may produce.</summary>
    public int MaxHeaderListSize { get; set; }

    /// <summary>The dynamic table's current size in bytes (RFC 7541 section 4.1).</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>The number of entries in the dynamic table.</summary>
    public int DynamicTableCount => _table.Count;

    /// <summary>
    /// Changes the SETTINGS_HEADER_TABLE_SIZE this side announces (once the peer acknowledged it). When it shrinks
    /// below the table's maximum, the next block must start with a size update.
    /// </summary>
    public void SetMaxTableSizeLimit(int maxTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        if (maxTableSize < _table.MaxSize)
        {
            _sizeUpdateRequired = true;
        }

        _settingsLimit = maxTableSize;
    }

    /// <summary>Decodes one complete header block, handing each field to <paramref name="receiver"/>.</summary>
    /// <exception cref="HpackException">The block is malformed or its header list is too large.</exception>
    public void Decode(ReadOnlySpan<byte> block, IHpackHeaderReceiver receiver)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var pos = 0;
        var fieldSeen = false;
        long listSize = 0;
        while (pos < block.Length)
        {
            var b = block[pos];
            if ((b & 0x80) != 0)
            {
                // Indexed header field (section 6.1).
                var index = ReadInteger(block, ref pos, 7);
                if (index == 0)
                {
                    throw new HpackException("An indexed header field has index 0.");
                }

                CheckSizeUpdateDone();
                var entry = Lookup(index);
                fieldSeen = true;
                listSize = Emit(receiver, entry.Name, entry.Value, listSize);
                continue;
            }

            if ((b & 0xE0) == 0x20)
            {
                // Dynamic table size update (section 6.3).
                if (fieldSeen)
                {
                    throw new HpackException("A dynamic table size update comes after a header field; it must start the block.");
                }

                var size = ReadInteger(block, ref pos, 5);
                if (size > _settingsLimit)
                {
                    throw new HpackException($"A dynamic table size update to {size} exceeds the limit of {_settingsLimit} this side announced.");
                }

                _table.SetMaxSize(size);
                _sizeUpdateRequired = false;
                continue;
            }

            CheckSizeUpdateDone();
            bool index2;
            int prefix;
            if ((b & 0xC0) == 0x40)
            {
                index2 = true;
                prefix = 6;
            }
            else
            {
                // Without indexing (0000) or never indexed (0001).
                index2 = false;
                prefix = 4;
            }

            var nameIndex = ReadInteger(block, ref pos, prefix);
            int nameLength;
            if (nameIndex == 0)
            {
                nameLength = ReadString(block, ref pos, ref _name);
            }
            else
            {
                var named = Lookup(nameIndex).Name;
                if (_name.Length < named.Length)
                {
                    _name = new byte[named.Length];
                }

                named.CopyTo(_name, 0);
                nameLength = named.Length;
            }

            var valueLength = ReadString(block, ref pos, ref _value);
            fieldSeen = true;
            var name = _name.AsSpan(0, nameLength);
            var value = _value.AsSpan(0, valueLength);
            listSize = Emit(receiver, name, value, listSize);
            if (index2)
            {
                _table.Add(name.ToArray(), value.ToArray());
            }
        }
    }

    private long Emit(IHpackHeaderReceiver receiver, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, long listSize)
    {
        listSize += name.Length + value.Length + 32;
        if (listSize > MaxHeaderListSize)
        {
            throw new HpackException($"The header list exceeds the limit of {MaxHeaderListSize} bytes.") { HeaderListTooLarge = true };
        }

        receiver.HeaderReceived(name, value);
        return listSize;
    }

    private void CheckSizeUpdateDone()
    {
        if (_sizeUpdateRequired)
        {
            throw new HpackException($"The block must start with a dynamic table size update: the limit was lowered to {_settingsLimit}.");
        }
    }

    private HpackEntry Lookup(int index)
    {
        if (index <= HpackStaticTable.Count)
        {
            return HpackStaticTable.Get(index);
        }

        var dynamicIndex = index - HpackStaticTable.Count - 1;
        if (dynamicIndex >= _table.Count)
        {
            throw new HpackException($"Header table index {index} is out of range ({HpackStaticTable.Count + _table.Count} entries).");
        }

        return _table[dynamicIndex];
    }

    private int ReadString(ReadOnlySpan<byte> block, ref int pos, ref byte[] destination)
    {
        if (pos >= block.Length)
        {
            throw new HpackException("The header block ends before a string literal.");
        }

        var huffman = (block[pos] & 0x80) != 0;
        var length = ReadInteger(block, ref pos, 7);
        if (length > block.Length - pos)
        {
            throw new HpackException($"A string literal of {length} bytes runs past the end of the header block.");
        }

        if (length > MaxHeaderListSize)
        {
            throw new HpackException($"A string literal of {length} bytes exceeds the header list limit of {MaxHeaderListSize} bytes.") { HeaderListTooLarge = true };
        }

        var data = block.Slice(pos, length);
        pos += length;
        if (huffman)
        {
            return HpackHuffman.Decode(data, ref destination, 0);
        }

        if (destination.Length < length)
        {
            destination = new byte[Math.Max(length, destination.Length * 2)];
        }

        data.CopyTo(destination);
        return length;
    }

    /// <summary>Reads an integer with an N-bit prefix (RFC 7541 section 5.1), capped at 2^31 - 1.</summary>
    internal static int ReadInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        if (pos >= block.Length)
        {
            throw new HpackException("The header block ends inside an integer.");
        }

        var max = (1 << prefixBits) - 1;
        var value = block[pos++] & max;
        if (value < max)
        {
            return value;
        }

        long result = value;
        var shift = 0;
        for (var i = 0; ; i++)
        {
            if (i == MaxIntegerBytes)
            {
                throw new HpackException("An integer is encoded with too many bytes.");
            }

            if (pos >= block.Length)
            {
                throw new HpackException("The header block ends inside an integer.");
            }

            var b = block[pos++];
            result += (long)(b & 0x7F) << shift;
            if (result > int.MaxValue)
            {
                throw new HpackException("An integer exceeds 2^31 - 1.");
            }

            if ((b & 0x80) == 0)
            {
                return (int)result;
            }

            shift += 7;
        }
    }
}
