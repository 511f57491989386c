using System.Runtime.InteropServices;

namespace Torsion.Reactor;

/// <summary>
/// The Linux calls that spawn and watch child processes: pipe2, posix_spawn (glibc's runs the child with
/// CLONE_VFORK, so no fork() of the multithreaded runtime), pidfd_open, waitpid, kill, and the pseudo-terminal calls.
/// Kept apart from <see cref="Libc"/> as <see cref="UnixLibc"/> is.
/// </summary>
internal static unsafe partial class ProcessLibc
{
    private const string Lib = "libc";

    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EIO = 5;
    internal const int ECHILD = 10;
    internal const int ENOSYS = 38;

    internal const int O_WRONLY = 1;
    internal const int O_RDWR = 2;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int F_DUPFD_CLOEXEC = 1030;

    internal const int WNOHANG = 1;

    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const short POSIX_SPAWN_SETSID = 0x80;

    internal const nuint TIOCGWINSZ = 0x5413;
    internal const nuint TIOCSWINSZ = 0x5414;

    /// <summary>pidfd_open's number: new system calls share one numbering on every Linux architecture since 5.1.</summary>
    private const long SYS_pidfd_open = 434;

    /// <summary>Room for glibc's posix_spawn_file_actions_t (80 bytes on 64-bit) and posix_spawnattr_t (336), with margin.</summary>
    internal const int SpawnStructSize = 1024;

    /// <summary>Room for a sigset_t (128 bytes in glibc).</summary>
    internal const int SigSetSize = 128;

    [StructLayout(LayoutKind.Sequential)]
    internal struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial nint writev(int fd, Libc.IoVec* iov, int iovcnt);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int dup2(int fd, int newFd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int isatty(int fd);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial long syscall(long number, long a1, long a2);

    // posix_spawn returns the error number instead of setting errno.
    [LibraryImport(Lib)]
    internal static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addclose(void* fileActions, int fd);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, byte* path, int flags, uint mode);

    [LibraryImport(Lib)]
    internal static partial int posix_spawn_file_actions_addchdir_np(void* fileActions, byte* path);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_init(void* attributes);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setsigmask(void* attributes, void* sigset);

    [LibraryImport(Lib)]
    internal static partial int posix_spawnattr_setsigdefault(void* attributes, void* sigset);

    [LibraryImport(Lib)]
    internal static partial int sigemptyset(void* sigset);

    [LibraryImport(Lib)]
    internal static partial int sigfillset(void* sigset);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int posix_openpt(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int grantpt(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int unlockpt(int fd);

    // ptsname_r returns the error number.
    [LibraryImport(Lib)]
    internal static partial int ptsname_r(int fd, byte* buffer, nuint length);

    /// <summary>A descriptor that becomes readable when the child <paramref name="pid"/> exits, or -1 with errno (ENOSYS before Linux 5.3).</summary>
    internal static int PidfdOpen(int pid) => (int)syscall(SYS_pidfd_open, pid, 0);

    /// <summary>Sets or clears O_NONBLOCK; returns the flags it found (or -1 with errno).</summary>
    internal static int SetNonBlocking(int fd, bool nonBlocking)
    {
        var flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0)
        {
            return -1;
        }

        var wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0)
        {
            return -1;
        }

        return flags;
    }
}
