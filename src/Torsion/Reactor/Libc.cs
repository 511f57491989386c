using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>
/// The Linux system calls the reactors and transports make themselves (epoll, eventfd, recv/send on raw fds).
/// Internal so that UDP, Unix and process transports in this assembly share them.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int EINVAL = 22;
    internal const int EPIPE = 32;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;
    internal const int ECONNABORTED = 103;
    internal const int ECONNRESET = 104;
    internal const int ENOBUFS = 105;
    internal const int ETIMEDOUT = 110;
    internal const int ECONNREFUSED = 111;
    internal const int EINPROGRESS = 115;

    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_MORE = 0x8000;
    internal const int SHUT_RD = 0;
    internal const int SHUT_WR = 1;
    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SO_REUSEPORT = 15;
    internal const int SO_ERROR = 4;
    internal const int SO_LINGER = 13;
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_NODELAY = 1;
    internal const int RLIMIT_NOFILE = 7;

    /// <summary>x86-64 packs epoll_event to 12 bytes; every other 64-bit ABI aligns it to 16.</summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint read(int fd, void* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint write(int fd, void* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>sendfile(2): copies up to <paramref name="count"/> bytes of <paramref name="inFd"/> from *offset to the socket in the kernel; advances *offset only.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint sendfile(int outFd, int inFd, long* offset, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int accept4(int fd, void* addr, void* addrlen, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int shutdown(int fd, int how);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int name, void* value, uint len);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getsockopt(int fd, int level, int name, void* value, uint* len);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int setrlimit(int resource, RLimit* limit);

    internal static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno value, for error messages.</summary>
    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>True where the transports do their I/O with these calls on raw descriptors (Linux).</summary>
    internal static readonly bool UseRawIO = OperatingSystem.IsLinux();

    internal static int GetInt(int fd, int level, int name)
    {
        int value = 0;
        uint len = sizeof(int);
        if (getsockopt(fd, level, name, &value, &len) != 0)
        {
            var errno = Errno;
            throw new System.Net.Sockets.SocketException(errno, $"getsockopt({level}, {name}) failed: {Describe(errno)}");
        }

        return value;
    }

    internal static void SetInt(int fd, int level, int name, int value)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) != 0)
        {
            var errno = Errno;
            throw new System.Net.Sockets.SocketException(errno, $"setsockopt({level}, {name}) failed: {Describe(errno)}");
        }
    }
}
