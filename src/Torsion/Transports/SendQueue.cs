using System.Buffers;
using System.Net.Sockets;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// The unsent bytes of one stream transport: a ring of pooled chunks that writes are copied into and that is
/// sent with one gathered send. Chunks go back to the pool as soon as they are sent, so an idle connection
/// holds no buffer.
/// </summary>
internal sealed unsafe class SendQueue
{
    private const int ChunkSize = 16 * 1024;
    private const int MaxIov = 64;

    private Segment[] _segments = new Segment[4];
    private int _head;
    private int _count;

    /// <summary>Bytes waiting to be sent.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Length += data.Length;
        if (_count > 0)
        {
            ref var tail = ref _segments[(_head + _count - 1) & (_segments.Length - 1)];
            var free = tail.Array.Length - tail.End;
            if (free > 0)
            {
                var n = Math.Min(free, data.Length);
                data[..n].CopyTo(tail.Array.AsSpan(tail.End));
                tail.End += n;
                data = data[n..];
            }
        }

        if (data.IsEmpty)
        {
            return;
        }

        if (_count == _segments.Length)
        {
            var bigger = new Segment[_segments.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                bigger[i] = _segments[(_head + i) & (_segments.Length - 1)];
            }

            _segments = bigger;
            _head = 0;
        }

        var array = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, data.Length));
        data.CopyTo(array);
        _segments[(_head + _count) & (_segments.Length - 1)] = new Segment(array, 0, data.Length);
        _count++;
    }

    /// <summary>Sends what it can with one call. Returns bytes sent (&gt;= 0) or the negated errno.</summary>
    public long SendTo(int fd, Socket socket) => SendTo(fd, socket, null, 0);

    /// <summary>
    /// Sends what it can with one call, with an ancillary message (Unix: SCM_RIGHTS) when
    /// <paramref name="control"/> is not null (raw I/O only). Returns bytes sent (&gt;= 0) or the negated errno.
    /// </summary>
    public long SendTo(int fd, Socket socket, void* control, nuint controlLength)
    {
        if (_count == 0)
        {
            return 0;
        }

        long sent;
        if (!Libc.UseRawIO)
        {
            ref var first = ref _segments[_head];
            sent = socket.Send(first.Array.AsSpan(first.Start, first.End - first.Start), SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                return error == SocketError.WouldBlock ? -Libc.EAGAIN : -(int)error;
            }
        }
        else if (_count == 1 && control is null)
        {
            ref var only = ref _segments[_head];
            fixed (byte* p = &only.Array[only.Start])
            {
                sent = Libc.send(fd, p, only.End - only.Start, Libc.MSG_NOSIGNAL);
            }

            if (sent < 0)
            {
                return -Libc.Errno;
            }
        }
        else
        {
            var n = Math.Min(_count, MaxIov);
            var iov = stackalloc Libc.IoVec[n];
            var handles = new MemoryHandleBuffer(n);
            try
            {
                for (var i = 0; i < n; i++)
                {
                    ref var s = ref _segments[(_head + i) & (_segments.Length - 1)];
                    var h = s.Array.AsMemory(s.Start, s.End - s.Start).Pin();
                    handles.Set(i, h);
                    iov[i].Base = (byte*)h.Pointer;
                    iov[i].Length = (nuint)(s.End - s.Start);
                }

                var msg = new Libc.MsgHdr { Iov = iov, IovLen = (nuint)n, Control = control, ControlLen = controlLength };
                sent = Libc.sendmsg(fd, &msg, Libc.MSG_NOSIGNAL);
                if (sent < 0)
                {
                    return -Libc.Errno;
                }
            }
            finally
            {
                handles.Dispose(n);
            }
        }

        Consume(sent);
        return sent;
    }

    private void Consume(long n)
    {
        Length -= n;
        while (n > 0)
        {
            ref var s = ref _segments[_head];
            var len = s.End - s.Start;
            if (n < len)
            {
                s.Start += (int)n;
                return;
            }

            n -= len;
            ReleaseHead();
        }

        // A fully sent tail chunk goes back to the pool too: an idle connection holds nothing.
        if (_count == 1 && _segments[_head].Start == _segments[_head].End)
        {
            ReleaseHead();
        }
    }

    private void ReleaseHead()
    {
        ArrayPool<byte>.Shared.Return(_segments[_head].Array);
        _segments[_head] = default;
        _head = (_head + 1) & (_segments.Length - 1);
        _count--;
    }

    /// <summary>Drops everything unsent and returns the chunks to the pool.</summary>
    public void Clear()
    {
        while (_count > 0)
        {
            ReleaseHead();
        }

        Length = 0;
        _head = 0;
    }

    private struct Segment(byte[] array, int start, int end)
    {
        public byte[] Array = array;
        public int Start = start;
        public int End = end;
    }

    /// <summary>Pin handles for one gathered send, without allocating (up to <see cref="MaxIov"/>).</summary>
    private ref struct MemoryHandleBuffer
    {
        private System.Buffers.MemoryHandle[] _handles;

        public MemoryHandleBuffer(int n) => _handles = ArrayPool<System.Buffers.MemoryHandle>.Shared.Rent(n);

        public void Set(int i, System.Buffers.MemoryHandle handle) => _handles[i] = handle;

        public void Dispose(int n)
        {
            for (var i = 0; i < n; i++)
            {
                _handles[i].Dispose();
                _handles[i] = default;
            }

            ArrayPool<System.Buffers.MemoryHandle>.Shared.Return(_handles);
        }
    }
}
