using System.Buffers;

namespace Torsion.Web.Http;

/// <summary>
/// Received bytes a protocol could not handle yet (a partial message, or whole ones while it is paused), kept in a
/// buffer rented from the pool: appended at the back, consumed from the front, compacted or grown only when an append
/// does not fit. Shared by the HTTP/1.1 server and WebSocket protocols, and by HTTP/2 streams for body bytes their
/// reader has not taken yet.
/// </summary>
internal sealed class PendingInput
{
    private const int MinimumSize = 4096;
    private byte[]? _array;
    private int _start;

    /// <summary>Bytes kept.</summary>
    public int Length { get; private set; }

    /// <summary>Whether a buffer is rented (false again after <see cref="Release"/>).</summary>
    public bool HasBuffer => _array is not null;

    /// <summary>The bytes kept, front first; valid until the next change.</summary>
    public ReadOnlySpan<byte> Span => _array is null ? default : _array.AsSpan(_start, Length);

    /// <summary>Keeps <paramref name="data"/> after what is kept already.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_array is null)
        {
            _array = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, data.Length));
        }
        else if (_start + Length + data.Length > _array.Length)
        {
            if (Length + data.Length <= _array.Length)
            {
                _array.AsSpan(_start, Length).CopyTo(_array);
            }
            else
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + data.Length, _array.Length * 2));
                _array.AsSpan(_start, Length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = bigger;
            }

            _start = 0;
        }

        data.CopyTo(_array.AsSpan(_start + Length));
        Length += data.Length;
    }

    /// <summary>
    /// Drops <paramref name="count"/> bytes from the front. When nothing is left, a buffer larger than
    /// <paramref name="keepAtMost"/> goes back to the pool (a burst does not stay pinned to an idle connection).
    /// </summary>
    public void Consume(int count, int keepAtMost = int.MaxValue)
    {
        _start += count;
        Length -= count;
        if (Length == 0)
        {
            _start = 0;
            if (_array is not null && _array.Length > keepAtMost)
            {
                Release();
            }
        }
    }

    /// <summary>
    /// Takes at most <paramref name="max"/> bytes from the front: the span stays valid until the next
    /// <see cref="Append"/> or <see cref="Release"/>.
    /// </summary>
    public ReadOnlySpan<byte> Take(int max)
    {
        var n = Math.Min(max, Length);
        var front = _array is null ? default : _array.AsSpan(_start, n);
        Consume(n);
        return front;
    }

    /// <summary>A copy of the bytes kept; the buffer goes back to the pool.</summary>
    public byte[] TakeAll()
    {
        var rest = Span.ToArray();
        Release();
        return rest;
    }

    /// <summary>Forgets the bytes kept and returns the buffer to the pool.</summary>
    public void Release()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }

        _start = 0;
        Length = 0;
    }
}
