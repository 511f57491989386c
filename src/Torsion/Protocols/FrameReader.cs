using System.Buffers;

namespace Torsion.Protocols;

/// <summary>What a framing does with the bytes a <see cref="FrameReader"/> hands it.</summary>
internal interface IFrameSink
{
    /// <summary>False while delivery is paused or after the connection was lost.</summary>
    bool CanDeliver { get; }

    /// <summary>
    /// Delivers at most one message from the front of <paramref name="available"/> and returns how many bytes it
    /// used; 0 means a whole message is not there yet. <paramref name="stop"/> ends this round of delivery.
    /// </summary>
    int Step(ReadOnlySpan<byte> available, out bool stop);
}

/// <summary>
/// The receive loop shared by the framings. Bytes that arrive whole are handed to the sink straight from the
/// caller's span; only a partial message is copied, into a buffer rented from the pool and returned when it
/// empties (so an idle connection holds no buffer). Data fed while the sink is being called (e.g.
/// <c>SetLineMode(extra)</c>) is appended after what is left and handled by the same loop; spans given to the
/// sink stay valid and unchanged for the whole call because the buffer is never moved in place while busy.
/// </summary>
internal sealed class FrameReader
{
    private byte[]? _array;
    private int _start;
    private int _end;
    private List<byte[]>? _retired;
    private bool _busy;

    public int Buffered => _end - _start;

    public ReadOnlySpan<byte> Buffer => _array is null ? default : _array.AsSpan(_start, _end - _start);

    public void Feed(ReadOnlySpan<byte> data, IFrameSink sink)
    {
        if (_busy)
        {
            Append(data);
            return;
        }

        _busy = true;
        try
        {
            var stopped = false;
            var pos = 0;
            if (Buffered > 0)
            {
                Append(data);
                pos = data.Length;
            }

            while (Buffered == 0 && pos < data.Length && sink.CanDeliver)
            {
                var used = sink.Step(data[pos..], out stopped);
                pos += used;
                if (used == 0 || stopped)
                {
                    break;
                }
            }

            if (pos < data.Length)
            {
                // Whatever was fed while the sink ran comes after the rest of this read.
                InsertFront(data[pos..]);
            }

            while (!stopped && Buffered > 0 && sink.CanDeliver)
            {
                var used = sink.Step(Buffer, out stopped);
                _start = Math.Min(_start + used, _end);
                if (used == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            _busy = false;
            Compact();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (_array is null || _array.Length - _end < data.Length)
        {
            Grow(Buffered + data.Length, ReadOnlySpan<byte>.Empty);
        }

        data.CopyTo(_array.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>Puts <paramref name="data"/> before what is buffered (bytes the loop has not reached yet).</summary>
    private void InsertFront(ReadOnlySpan<byte> data)
    {
        if (Buffered == 0)
        {
            Append(data);
            return;
        }

        Grow(Buffered + data.Length, data);
    }

    /// <summary>Moves the buffered bytes, after <paramref name="prefix"/>, into a new rented array of at least <paramref name="size"/> bytes.</summary>
    private void Grow(int size, ReadOnlySpan<byte> prefix)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(size, Math.Max(512, (_array?.Length ?? 0) * 2)));
        prefix.CopyTo(next);
        Buffer.CopyTo(next.AsSpan(prefix.Length));
        var count = prefix.Length + Buffered;
        if (_array is not null)
        {
            // The sink may still hold a span over the old array: return it only when the loop is done.
            (_retired ??= []).Add(_array);
        }

        _array = next;
        _start = 0;
        _end = count;
    }

    private void Compact()
    {
        if (_retired is not null)
        {
            foreach (var array in _retired)
            {
                ArrayPool<byte>.Shared.Return(array);
            }

            _retired = null;
        }

        if (_array is null)
        {
            return;
        }

        if (Buffered == 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
            _start = _end = 0;
        }
        else if (_start > 0)
        {
            _array.AsSpan(_start, Buffered).CopyTo(_array);
            _end = Buffered;
            _start = 0;
        }
    }
}
