using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>
/// The further Linux calls the datagram and Unix-socket transports make themselves (recvfrom/sendto on raw fds,
/// recvmsg with SCM_RIGHTS, SO_PEERCRED, statx for socket files). Kept apart from <see cref="Libc"/> so that the
/// stream reactor's file stays as it is.
/// </summary>
internal static unsafe partial class UnixLibc
{
    private const string Lib = "libc";

    internal const int ENOENT = 2;
    internal const int EMSGSIZE = 90;
    internal const int EPROTOTYPE = 91;

    internal const int AF_UNIX = 1;
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;

    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;
    internal const int SO_PEERCRED = 17;
    internal const int IPPROTO_IP = 0;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IP_MULTICAST_ALL = 49;
    internal const int IPV6_MULTICAST_ALL = 29;

    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;

    internal const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>The most descriptors Linux passes in one SCM_RIGHTS message (SCM_MAX_FD).</summary>
    internal const int MaxFdsPerMessage = 253;

    /// <summary>sizeof(struct cmsghdr) on 64-bit Linux: size_t length, int level, int type.</summary>
    internal const int CmsgHeaderSize = 16;

    /// <summary>Bytes of a sockaddr_storage: large enough for every address family.</summary>
    internal const int SockAddrStorageSize = 128;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 1;
    private const int StatxModeOffset = 28;
    private const int S_IFMT = 0xF000;
    private const int S_IFSOCK = 0xC000;

    /// <summary>CMSG_SPACE: the room one control message with <paramref name="dataLength"/> bytes of data takes.</summary>
    internal static int CmsgSpace(int dataLength) => CmsgHeaderSize + ((dataLength + 7) & ~7);

    /// <summary>CMSG_LEN: the cmsg_len of a control message with <paramref name="dataLength"/> bytes of data.</summary>
    internal static int CmsgLength(int dataLength) => CmsgHeaderSize + dataLength;

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint recvfrom(int fd, byte* buf, nint len, int flags, byte* addr, uint* addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint sendto(int fd, byte* buf, nint len, int flags, byte* addr, uint addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint recvmsg(int fd, Libc.MsgHdr* msg, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>True if <paramref name="path"/> names a socket file (symlinks are not followed).</summary>
    internal static bool IsSocketFile(string path)
    {
        var buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, buffer) != 0)
        {
            return false;
        }

        return (*(ushort*)(buffer + StatxModeOffset) & S_IFMT) == S_IFSOCK;
    }

    /// <summary>A close-on-exec copy of <paramref name="fd"/>, or -1 with errno set.</summary>
    internal static int Duplicate(int fd) => fcntl(fd, F_DUPFD_CLOEXEC, 0);
}
