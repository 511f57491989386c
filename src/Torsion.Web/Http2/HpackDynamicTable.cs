namespace Torsion.Web.Http2;

/// <summary>The dynamic table of HPACK (RFC 7541 sections 2.3.2, 4): newest first, evicting the oldest beyond the size limit.</summary>
internal sealed class HpackDynamicTable
{
    private HpackEntry[] _ring = new HpackEntry[16];
    private int _head; // index of the newest entry
    private int _count;

    public HpackDynamicTable(int maxSize) => MaxSize = maxSize;

    /// <summary>The number of entries.</summary>
    public int Count => _count;

    /// <summary>The current size (RFC 7541 section 4.1).</summary>
    public int Size { get; private set; }

    /// <summary>The current maximum size.</summary>
    public int MaxSize { get; private set; }

    /// <summary>The entry at a 0-based position, 0 being the newest.</summary>
    public HpackEntry this[int index] => _ring[(_head + index) % _ring.Length];

    /// <summary>Changes the maximum size, evicting entries to fit.</summary>
    public void SetMaxSize(int maxSize)
    {
        MaxSize = maxSize;
        Evict(0);
    }

    /// <summary>Adds an entry (an entry larger than the table empties it and is not added, RFC 7541 section 4.4).</summary>
    public void Add(byte[] name, byte[] value)
    {
        var entry = new HpackEntry(name, value);
        if (entry.Size > MaxSize)
        {
            Evict(int.MaxValue);
            return;
        }

        Evict(entry.Size);
        if (_count == _ring.Length)
        {
            var bigger = new HpackEntry[_ring.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                bigger[i] = this[i];
            }

            _ring = bigger;
            _head = 0;
        }

        _head = (_head - 1 + _ring.Length) % _ring.Length;
        _ring[_head] = entry;
        _count++;
        Size += entry.Size;
    }

    /// <summary>Finds a field: an exact match or a name match; -1 when absent.</summary>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out bool exact)
    {
        exact = false;
        var nameIndex = -1;
        for (var i = 0; i < _count; i++)
        {
            var e = this[i];
            if (name.SequenceEqual(e.Name))
            {
                if (value.SequenceEqual(e.Value))
                {
                    exact = true;
                    return i;
                }

                if (nameIndex < 0)
                {
                    nameIndex = i;
                }
            }
        }

        return nameIndex;
    }

    private void Evict(int room)
    {
        while (_count > 0 && (room == int.MaxValue || Size + room > MaxSize))
        {
            var oldest = (_head + _count - 1) % _ring.Length;
            Size -= _ring[oldest].Size;
            _ring[oldest] = default;
            _count--;
        }
    }
}
