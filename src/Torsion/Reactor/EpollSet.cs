using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>
/// The epoll readiness set shared by <see cref="EpollReactor"/> and <see cref="SynchronizationContextReactor"/>:
/// descriptors in an array indexed by fd, each registration with a generation in the epoll data so that an event
/// for a closed fd is never delivered to a newer socket that got the same number, and an eventfd to wake the wait.
/// <see cref="Wait"/> may run on another thread than the one that registers (epoll_ctl and epoll_wait are safe
/// together); <see cref="Dispatch"/> and the registration methods run on the reactor thread.
/// </summary>
internal sealed unsafe class EpollSet : IDisposable
{
    private const int MaxEvents = 512;
    private const ulong WakeTag = ulong.MaxValue;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly byte* _events;
    private Slot[] _slots = new Slot[256];
    private bool _disposed;

    public EpollSet()
    {
        _epfd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epfd < 0)
        {
            throw new Win32Exception(Libc.Errno, "epoll_create1 failed");
        }

        _wakeFd = Libc.eventfd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (_wakeFd < 0)
        {
            var errno = Libc.Errno;
            Libc.close(_epfd);
            throw new Win32Exception(errno, "eventfd failed");
        }

        _events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Libc.EpollEventSize));
        Control(Libc.EPOLL_CTL_ADD, _wakeFd, Libc.EPOLLIN, WakeTag);
    }

    private struct Slot
    {
        public IReadDescriptor? Reader;
        public IWriteDescriptor? Writer;
        public uint Events;
        public uint Generation;
    }

    private void Control(int op, int fd, uint events, ulong data)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + Libc.EpollDataOffset) = data;
        if (Libc.epoll_ctl(_epfd, op, fd, ev) == 0)
        {
            return;
        }

        var errno = Libc.Errno;
        // The fd was closed without being removed (closing drops it from epoll): add it afresh.
        if (op == Libc.EPOLL_CTL_MOD && errno == 2 /* ENOENT */)
        {
            Control(Libc.EPOLL_CTL_ADD, fd, events, data);
            return;
        }

        if (op == Libc.EPOLL_CTL_DEL && errno is 2 or 9 /* ENOENT, EBADF */)
        {
            return;
        }

        throw new Win32Exception(errno, $"epoll_ctl({op}) on fd {fd} failed: {Libc.Describe(errno)}");
    }

    private ref Slot SlotFor(int fd)
    {
        if (fd < 0)
        {
            throw new ArgumentException($"Descriptor number {fd} is not open.", nameof(fd));
        }

        if (fd >= _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(fd + 1, _slots.Length * 2));
        }

        return ref _slots[fd];
    }

    private void Update(int fd, ref Slot slot)
    {
        var events = (slot.Reader is null ? 0 : Libc.EPOLLIN) | (slot.Writer is null ? 0 : Libc.EPOLLOUT);
        if (events == slot.Events)
        {
            return;
        }

        if (slot.Events == 0)
        {
            slot.Generation++;
            Control(Libc.EPOLL_CTL_ADD, fd, events, ((ulong)slot.Generation << 32) | (uint)fd);
        }
        else if (events == 0)
        {
            Control(Libc.EPOLL_CTL_DEL, fd, 0, 0);
        }
        else
        {
            Control(Libc.EPOLL_CTL_MOD, fd, events, ((ulong)slot.Generation << 32) | (uint)fd);
        }

        slot.Events = events;
    }

    public void AddReader(IReadDescriptor reader)
    {
        var fd = reader.FileDescriptor;
        ref var slot = ref SlotFor(fd);
        slot.Reader = reader;
        Update(fd, ref slot);
    }

    public void AddWriter(IWriteDescriptor writer)
    {
        var fd = writer.FileDescriptor;
        ref var slot = ref SlotFor(fd);
        slot.Writer = writer;
        Update(fd, ref slot);
    }

    public void RemoveReader(IReadDescriptor reader)
    {
        var fd = reader.FileDescriptor;
        if (fd < 0 || fd >= _slots.Length || _slots[fd].Reader != reader)
        {
            return;
        }

        ref var slot = ref _slots[fd];
        slot.Reader = null;
        Update(fd, ref slot);
    }

    public void RemoveWriter(IWriteDescriptor writer)
    {
        var fd = writer.FileDescriptor;
        if (fd < 0 || fd >= _slots.Length || _slots[fd].Writer != writer)
        {
            return;
        }

        ref var slot = ref _slots[fd];
        slot.Writer = null;
        Update(fd, ref slot);
    }

    public IReadOnlyList<IDescriptor> RemoveAll()
    {
        var removed = new List<IDescriptor>();
        for (var fd = 0; fd < _slots.Length; fd++)
        {
            ref var slot = ref _slots[fd];
            if (slot.Events == 0)
            {
                continue;
            }

            if (slot.Reader is not null)
            {
                removed.Add(slot.Reader);
            }

            if (slot.Writer is not null && !ReferenceEquals(slot.Writer, slot.Reader))
            {
                removed.Add(slot.Writer);
            }

            slot.Reader = null;
            slot.Writer = null;
            Update(fd, ref slot);
        }

        return removed;
    }

    public IReadOnlyList<IReadDescriptor> GetReaders() =>
        [.. _slots.Where(s => s.Reader is not null).Select(s => s.Reader!)];

    public IReadOnlyList<IWriteDescriptor> GetWriters() =>
        [.. _slots.Where(s => s.Writer is not null).Select(s => s.Writer!)];

    /// <summary>Waits for readiness; returns how many events wait in the buffer for <see cref="Dispatch"/> (0 on EINTR).</summary>
    public int Wait(int timeoutMs)
    {
        var n = Libc.epoll_wait(_epfd, _events, MaxEvents, timeoutMs);
        if (n >= 0)
        {
            return n;
        }

        var errno = Libc.Errno;
        if (errno == Libc.EINTR)
        {
            return 0;
        }

        throw new Win32Exception(errno, $"epoll_wait failed: {Libc.Describe(errno)}");
    }

    /// <summary>Delivers the <paramref name="count"/> events of the last <see cref="Wait"/> to their descriptors.</summary>
    public void Dispatch(ReactorBase reactor, int count)
    {
        var size = Libc.EpollEventSize;
        var offset = Libc.EpollDataOffset;
        for (var i = 0; i < count; i++)
        {
            var ev = _events + (i * size);
            var events = *(uint*)ev;
            var data = *(ulong*)(ev + offset);
            if (data == WakeTag)
            {
                ulong value;
                Libc.read(_wakeFd, &value, sizeof(ulong));
                continue;
            }

            var fd = (int)(uint)data;
            var generation = (uint)(data >> 32);
            if ((uint)fd >= (uint)_slots.Length || _slots[fd].Generation != generation)
            {
                continue;
            }

            if ((events & (Libc.EPOLLIN | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0 && _slots[fd].Reader is { } reader)
            {
                reactor.DispatchRead(reader);
            }

            // The read may have closed or replaced the descriptor: look again before writing.
            if ((events & (Libc.EPOLLOUT | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0
                && (uint)fd < (uint)_slots.Length && _slots[fd].Generation == generation && _slots[fd].Writer is { } writer)
            {
                reactor.DispatchWrite(writer);
            }
        }
    }

    /// <summary>Wakes a <see cref="Wait"/> in progress (or the next one); callable from any thread.</summary>
    public void Wake()
    {
        ulong one = 1;
        Libc.write(_wakeFd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Libc.close(_wakeFd);
        Libc.close(_epfd);
        NativeMemory.Free(_events);
        GC.SuppressFinalize(this);
    }

    ~EpollSet()
    {
        if (!_disposed)
        {
            _disposed = true;
            Libc.close(_wakeFd);
            Libc.close(_epfd);
            NativeMemory.Free(_events);
        }
    }
}
