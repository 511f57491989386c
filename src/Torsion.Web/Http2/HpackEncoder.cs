using System.Buffers;

namespace Torsion.Web.Http2;

/// <summary>
/// Encodes header blocks with HPACK (RFC 7541): indexed fields where the tables hold them, literals with incremental
/// indexing otherwise (never indexed for sensitive fields), Huffman strings when shorter, and the dynamic table size
/// updates that a change of the peer's SETTINGS_HEADER_TABLE_SIZE requires (section 4.2).
/// </summary>
public sealed class HpackEncoder
{
    private readonly HpackDynamicTable _table;
    private readonly int _preferredSize;
    private int _pendingMinimum = -1;
    private bool _updatePending;

    /// <summary>Makes an encoder.</summary>
    /// <param name="maxTableSize">
    /// The dynamic table size both sides start with (4096 in HTTP/2); also the largest this side keeps when the peer allows more.
    /// </param>
    public HpackEncoder(int maxTableSize = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _preferredSize = maxTableSize;
        _table = new HpackDynamicTable(maxTableSize);
    }

    /// <summary>Whether string literals are Huffman-coded when that is not longer. Default true.</summary>
    public bool UseHuffman { get; set; } = true;

    /// <summary>Values longer than this are sent without indexing (they would flush the table). Default 1024.</summary>
    public int MaxIndexedValueLength { get; set; } = 1024;

    /// <summary>The dynamic table's current size in bytes.</summary>
    public int DynamicTableSize => _table.Size;

    /// <summary>Applies the peer's SETTINGS_HEADER_TABLE_SIZE: the next block starts with the size update(s) it requires.</summary>
    public void SetPeerMaxTableSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var newSize = Math.Min(size, _preferredSize);
        if (newSize == _table.MaxSize && !_updatePending)
        {
            return;
        }

        _pendingMinimum = _pendingMinimum < 0 ? newSize : Math.Min(_pendingMinimum, newSize);
        _updatePending = true;
        _table.SetMaxSize(newSize);
    }

    /// <summary>Starts a header block: writes the pending dynamic table size updates.</summary>
    public void BeginBlock(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_updatePending)
        {
            return;
        }

        if (_pendingMinimum < _table.MaxSize)
        {
            WriteInteger(output, 0x20, 5, _pendingMinimum);
        }

        WriteInteger(output, 0x20, 5, _table.MaxSize);
        _updatePending = false;
        _pendingMinimum = -1;
    }

    /// <summary>Encodes one header field (names must be lowercase for HTTP/2).</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="name">The field name.</param>
    /// <param name="value">The field value.</param>
    /// <param name="sensitive">Never index it, here or at intermediaries (RFC 7541 section 7.1.3).</param>
    public void Encode(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool sensitive = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        var staticIndex = HpackStaticTable.Find(name, value, out var staticExact);
        if (staticExact && !sensitive)
        {
            WriteInteger(output, 0x80, 7, staticIndex);
            return;
        }

        var dynamicIndex = _table.Find(name, value, out var dynamicExact);
        if (dynamicExact && !sensitive)
        {
            WriteInteger(output, 0x80, 7, dynamicIndex + HpackStaticTable.Count + 1);
            return;
        }

        var nameIndex = staticIndex > 0 ? staticIndex : dynamicIndex >= 0 ? dynamicIndex + HpackStaticTable.Count + 1 : 0;
        var indexing = !sensitive && value.Length <= MaxIndexedValueLength && name.Length + value.Length + 32 <= _table.MaxSize;
        if (indexing)
        {
            WriteInteger(output, 0x40, 6, nameIndex);
        }
        else
        {
            WriteInteger(output, sensitive ? (byte)0x10 : (byte)0x00, 4, nameIndex);
        }

        if (nameIndex == 0)
        {
            WriteString(output, name);
        }

        WriteString(output, value);
        if (indexing)
        {
            _table.Add(name.ToArray(), value.ToArray());
        }
    }

    /// <summary>Writes an integer with an N-bit prefix (RFC 7541 section 5.1) after the flag bits in <paramref name="flags"/>.</summary>
    internal static void WriteInteger(IBufferWriter<byte> output, byte flags, int prefixBits, int value)
    {
        var span = output.GetSpan(6);
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            span[0] = (byte)(flags | value);
            output.Advance(1);
            return;
        }

        span[0] = (byte)(flags | max);
        var n = 1;
        value -= max;
        while (value >= 128)
        {
            span[n++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        output.Advance(n);
    }

    private void WriteString(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        if (UseHuffman)
        {
            var length = HpackHuffman.EncodedLength(data);
            if (length <= data.Length)
            {
                WriteInteger(output, 0x80, 7, length);
                var span = output.GetSpan(length);
                HpackHuffman.Encode(data, span);
                output.Advance(length);
                return;
            }
        }

        WriteInteger(output, 0, 7, data.Length);
        output.Write(data);
    }
}
