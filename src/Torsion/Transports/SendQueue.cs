using System.Buffers;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// The unsent bytes of one stream transport: a ring of pooled chunks that writes are copied into and that is
/// sent with one gathered send, and file regions queued in order between them (sent with sendfile(2), or read
/// through a buffer when that is off or refused). Chunks go back to the pool as soon as they are sent, so an idle
/// connection holds no buffer; a file region holds only a reference on its handle.
/// </summary>
internal sealed unsafe class SendQueue
{
    private const int ChunkSize = 16 * 1024;
    private const int MaxIov = 64;

    /// <summary>The most one sendfile(2) call is asked for (Linux sends at most 0x7ffff000 bytes per call anyway).</summary>
    private const long MaxSendFileCount = 1L << 30;

    /// <summary>
    /// Returned (negated) by the send calls when a queued file region's file ended before the region did: it was
    /// truncated after the region was queued. Not a real errno (those are below 4096).
    /// </summary>
    internal const int FileEnded = 1 << 20;

    private Segment[] _segments = new Segment[4];
    private int _head;
    private int _count;

    /// <summary>Bytes waiting to be sent (file regions included).</summary>
    public long Length { get; private set; }

    /// <summary>Whether the last <see cref="SendTo(int, Socket)"/> sent a file region's bytes with sendfile(2).</summary>
    public bool LastSentBySendFile { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Length += data.Length;
        if (_count > 0)
        {
            ref var tail = ref _segments[(_head + _count - 1) & (_segments.Length - 1)];
            var free = tail.File is null ? tail.Array.Length - tail.End : 0;
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

        GrowIfFull();
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, data.Length));
        data.CopyTo(array);
        _segments[(_head + _count) & (_segments.Length - 1)] = new Segment(array, 0, data.Length);
        _count++;
    }

    /// <summary>
    /// Queues <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> after the bytes
    /// queued so far. Holds a reference on the handle until the region is sent or dropped, so its owner may dispose
    /// it at once. <paramref name="copy"/> reads it through a buffer instead of sendfile(2).
    /// </summary>
    public void AppendFile(SafeFileHandle file, long offset, long count, bool copy)
    {
        var added = false;
        file.DangerousAddRef(ref added);
        GrowIfFull();
        _segments[(_head + _count) & (_segments.Length - 1)] = new Segment(file, offset, count, copy);
        _count++;
        Length += count;
    }

    /// <summary>The file region at the head of the queue, described for an error message (or null when bytes are first).</summary>
    public string? DescribeHeadFile()
    {
        if (_count == 0 || _segments[_head].File is not { } file)
        {
            return null;
        }

        ref var s = ref _segments[_head];
        return $"{s.FileRemaining} bytes from offset {s.FileOffset} of file descriptor {file.DangerousGetHandle()}";
    }

    private void GrowIfFull()
    {
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
        ref var head = ref _segments[_head];
        LastSentBySendFile = false;
        if (head.File is not null)
        {
            var kernel = !head.FileCopy && control is null && Libc.UseRawIO;
            sent = kernel ? SendFile(ref head, fd, socket) : SendFileCopy(ref head, fd, socket, control, controlLength);
            if (sent < 0)
            {
                return sent;
            }

            LastSentBySendFile = kernel && !head.FileCopy;
        }
        else if (!Libc.UseRawIO)
        {
            ref var first = ref _segments[_head];
            sent = socket.Send(first.Array.AsSpan(first.Start, first.End - first.Start), SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                return error == SocketError.WouldBlock ? -Libc.EAGAIN : -(int)error;
            }
        }
        else if (ByteSegmentsAtHead() == 1 && control is null)
        {
            ref var only = ref _segments[_head];
            fixed (byte* p = &only.Array[only.Start])
            {
                sent = Libc.send(fd, p, only.End - only.Start, Libc.MSG_NOSIGNAL | (_count > 1 ? Libc.MSG_MORE : 0));
            }

            if (sent < 0)
            {
                return -Libc.Errno;
            }
        }
        else
        {
            var n = Math.Min(ByteSegmentsAtHead(), MaxIov);
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

                // Bytes right before a file region (an HTTP head before its body) wait for it: one segment, as nginx's TCP_NOPUSH.
                sent = Libc.sendmsg(fd, &msg, Libc.MSG_NOSIGNAL | (n < _count ? Libc.MSG_MORE : 0));
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

    /// <summary>
    /// Writes what it can to a pipe or terminal <paramref name="fd"/> with one write/writev call (no socket calls).
    /// Returns bytes written (&gt;= 0) or the negated errno.
    /// </summary>
    public long WriteTo(int fd)
    {
        if (_count == 0)
        {
            return 0;
        }

        // Only stream connections queue file regions; pipes never see one.
        System.Diagnostics.Debug.Assert(_segments[_head].File is null, "A file region was queued for a pipe.");
        var n = Math.Min(ByteSegmentsAtHead(), MaxIov);
        var iov = stackalloc Libc.IoVec[n];
        var handles = new MemoryHandleBuffer(n);
        long written;
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

            written = ProcessLibc.writev(fd, iov, n);
            if (written < 0)
            {
                return -Libc.Errno;
            }
        }
        finally
        {
            handles.Dispose(n);
        }

        Consume(written);
        return written;
    }

    /// <summary>How many byte segments come before the first file region (or the end).</summary>
    private int ByteSegmentsAtHead()
    {
        var n = 0;
        while (n < _count && _segments[(_head + n) & (_segments.Length - 1)].File is null)
        {
            n++;
        }

        return n;
    }

    /// <summary>One sendfile(2) call for the file region at the head: bytes sent, or the negated errno.</summary>
    private static long SendFile(ref Segment region, int fd, Socket socket)
    {
        var offset = region.FileOffset;
        var sent = (long)Libc.sendfile(fd, (int)region.File!.DangerousGetHandle(), &offset, (nuint)Math.Min(region.FileRemaining, MaxSendFileCount));
        if (sent > 0)
        {
            return sent;
        }

        if (sent == 0)
        {
            return -FileEnded;
        }

        var errno = Libc.Errno;
        if (errno is Libc.EINVAL or Libc.ENOSYS or Libc.EOPNOTSUPP)
        {
            // This file cannot be sent by the kernel (a filesystem without splice support): copy it instead, for good.
            region.FileCopy = true;
            return SendFileCopy(ref region, fd, socket, null, 0);
        }

        return -errno;
    }

    /// <summary>
    /// Reads up to one chunk of the file region at the head (pread, so the file position is never used) and sends it
    /// with one call, with <paramref name="control"/> when not null. What the socket refuses is read again next time.
    /// </summary>
    private static long SendFileCopy(ref Segment region, int fd, Socket socket, void* control, nuint controlLength)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4 * ChunkSize);
        try
        {
            var want = (int)Math.Min(buffer.Length, region.FileRemaining);
            int read;
            try
            {
                read = RandomAccess.Read(region.File!, buffer.AsSpan(0, want), region.FileOffset);
            }
            catch (IOException)
            {
                return -Libc.EIO;
            }

            if (read == 0)
            {
                return -FileEnded;
            }

            if (!Libc.UseRawIO)
            {
                var n = socket.Send(buffer, 0, read, SocketFlags.None, out var error);
                return error == SocketError.Success ? n : error == SocketError.WouldBlock ? -Libc.EAGAIN : -(int)error;
            }

            fixed (byte* p = buffer)
            {
                long sent;
                if (control is null)
                {
                    sent = Libc.send(fd, p, read, Libc.MSG_NOSIGNAL);
                }
                else
                {
                    var iov = new Libc.IoVec { Base = p, Length = (nuint)read };
                    var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = controlLength };
                    sent = Libc.sendmsg(fd, &msg, Libc.MSG_NOSIGNAL);
                }

                return sent < 0 ? -Libc.Errno : sent;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Consume(long n)
    {
        Length -= n;
        while (n > 0)
        {
            ref var s = ref _segments[_head];
            if (s.File is not null)
            {
                if (n < s.FileRemaining)
                {
                    s.FileOffset += n;
                    s.FileRemaining -= n;
                    return;
                }

                n -= s.FileRemaining;
                ReleaseHead();
                continue;
            }

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
        if (_count == 1 && _segments[_head].File is null && _segments[_head].Start == _segments[_head].End)
        {
            ReleaseHead();
        }
    }

    private void ReleaseHead()
    {
        ref var s = ref _segments[_head];
        if (s.File is not null)
        {
            s.File.DangerousRelease();
        }
        else
        {
            ArrayPool<byte>.Shared.Return(s.Array);
        }

        _segments[_head] = default;
        _head = (_head + 1) & (_segments.Length - 1);
        _count--;
    }

    /// <summary>Drops everything unsent, returns the chunks to the pool and releases the files.</summary>
    public void Clear()
    {
        while (_count > 0)
        {
            ReleaseHead();
        }

        Length = 0;
        _head = 0;
    }

    /// <summary>Bytes of a pooled chunk (<see cref="Array"/> from Start to End), or a file region (<see cref="File"/> not null).</summary>
    private struct Segment
    {
        public byte[] Array;
        public int Start;
        public int End;
        public SafeFileHandle? File;
        public long FileOffset;
        public long FileRemaining;
        public bool FileCopy;

        public Segment(byte[] array, int start, int end)
        {
            Array = array;
            Start = start;
            End = end;
        }

        public Segment(SafeFileHandle file, long offset, long count, bool copy)
        {
            Array = [];
            File = file;
            FileOffset = offset;
            FileRemaining = count;
            FileCopy = copy;
        }
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
