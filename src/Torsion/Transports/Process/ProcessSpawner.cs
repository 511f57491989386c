using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// Starts a child with posix_spawn (never fork() in the multithreaded runtime): pipes made with pipe2(O_CLOEXEC) and
/// dup2'd onto 0, 1, 2 in the child, the signal mask emptied and every signal reset to its default (the runtime ignores
/// SIGPIPE, which exec would otherwise pass on). With a pseudo-terminal the child is made a session leader
/// (POSIX_SPAWN_SETSID) and then opens the slave as its descriptor 0: glibc runs the file actions after setsid, and on
/// Linux a session leader without a controlling terminal that opens a terminal without O_NOCTTY acquires it. So the
/// child gets its controlling terminal without a trampoline program and keeps its own pid.
/// </summary>
internal static unsafe class ProcessSpawner
{
    public static ProcessTransport Spawn(
        ReactorBase reactor,
        ProcessProtocol protocol,
        string executable,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? env,
        string? workingDirectory,
        bool usePty,
        (int Rows, int Cols)? windowSize)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentNullException.ThrowIfNull(args);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("SpawnProcess is implemented for Linux only (posix_spawn, pidfd); on other systems use System.Diagnostics.Process.");
        }

        if (windowSize.HasValue && !usePty)
        {
            throw new ArgumentException("A window size is for a pseudo-terminal: pass usePty: true with it.", nameof(windowSize));
        }

        var path = Resolve(executable, env);
        if (workingDirectory is not null && !Directory.Exists(workingDirectory))
        {
            throw new ProcessSpawnException(executable, ProcessLibc.ENOENT, $"Cannot run '{executable}': the working directory '{workingDirectory}' does not exist.");
        }

        var argv = args.Count == 0 ? [executable] : args.ToArray();
        var envp = (env ?? CurrentEnvironment()).Select(kv => $"{kv.Key}={kv.Value}").ToArray();

        // Parent ends [0..2] (stdin write, stdout read, stderr read) and child ends [3..5]; -1 where none.
        var fds = stackalloc int[6] { -1, -1, -1, -1, -1, -1 };
        string? slavePath = null;
        var fileActions = NativeMemory.AllocZeroed(ProcessLibc.SpawnStructSize);
        var attributes = NativeMemory.AllocZeroed(ProcessLibc.SpawnStructSize);
        var sigset = NativeMemory.AllocZeroed(ProcessLibc.SigSetSize);
        var strings = new List<nint>();
        var succeeded = false;
        try
        {
            if (usePty)
            {
                slavePath = OpenPty(fds, executable);
                if (windowSize is { } size)
                {
                    SetWindowSize(fds[1], size.Rows, size.Cols);
                }
            }
            else
            {
                MakePipe(fds, parent: 0, child: 3, parentWrites: true, executable);
                MakePipe(fds, parent: 1, child: 4, parentWrites: false, executable);
                MakePipe(fds, parent: 2, child: 5, parentWrites: false, executable);
            }

            Check(ProcessLibc.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init", executable);
            Check(ProcessLibc.posix_spawnattr_init(attributes), "posix_spawnattr_init", executable);
            try
            {
                if (usePty)
                {
                    var slave = Utf8(slavePath!, strings);
                    Check(ProcessLibc.posix_spawn_file_actions_addopen(fileActions, 0, slave, ProcessLibc.O_RDWR, 0), "addopen", executable);
                    Check(ProcessLibc.posix_spawn_file_actions_adddup2(fileActions, 0, 1), "adddup2", executable);
                    Check(ProcessLibc.posix_spawn_file_actions_adddup2(fileActions, 0, 2), "adddup2", executable);
                }
                else
                {
                    // The child ends are close-on-exec; their copies on 0, 1, 2 are not.
                    for (var i = 0; i < 3; i++)
                    {
                        Check(ProcessLibc.posix_spawn_file_actions_adddup2(fileActions, fds[3 + i], i), "adddup2", executable);
                    }
                }

                if (workingDirectory is not null)
                {
                    Check(ProcessLibc.posix_spawn_file_actions_addchdir_np(fileActions, Utf8(workingDirectory, strings)), "addchdir_np", executable);
                }

                var flags = (short)(ProcessLibc.POSIX_SPAWN_SETSIGMASK | ProcessLibc.POSIX_SPAWN_SETSIGDEF | (usePty ? ProcessLibc.POSIX_SPAWN_SETSID : 0));
                Check(ProcessLibc.posix_spawnattr_setflags(attributes, flags), "setflags", executable);
                Check(ProcessLibc.sigemptyset(sigset), "sigemptyset", executable);
                Check(ProcessLibc.posix_spawnattr_setsigmask(attributes, sigset), "setsigmask", executable);
                Check(ProcessLibc.sigfillset(sigset), "sigfillset", executable);
                Check(ProcessLibc.posix_spawnattr_setsigdefault(attributes, sigset), "setsigdefault", executable);

                var argvPtr = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Length + 1), (nuint)sizeof(nint));
                var envPtr = (byte**)NativeMemory.AllocZeroed((nuint)(envp.Length + 1), (nuint)sizeof(nint));
                strings.Add((nint)argvPtr);
                strings.Add((nint)envPtr);
                for (var i = 0; i < argv.Length; i++)
                {
                    argvPtr[i] = Utf8(argv[i], strings);
                }

                for (var i = 0; i < envp.Length; i++)
                {
                    envPtr[i] = Utf8(envp[i], strings);
                }

                int pid;
                var error = ProcessLibc.posix_spawn(&pid, Utf8(path, strings), fileActions, attributes, argvPtr, envPtr);
                if (error != 0)
                {
                    throw new ProcessSpawnException(executable, error, $"Cannot run '{executable}'{(path == executable ? "" : $" ({path})")}: {Libc.Describe(error)}.");
                }

                // The child has its copies; the parent keeps only its own ends.
                for (var i = 3; i < 6; i++)
                {
                    CloseFd(ref fds[i]);
                }

                var pidfd = reactor.ForceSigchldReaping ? -1 : ProcessLibc.PidfdOpen(pid);
                var transport = new ProcessTransport(reactor, protocol, pid, $"{executable} [{pid}]", usePty);
                if (usePty)
                {
                    // One copy of the master to write, one to read, and one that keeps the terminal from hanging up
                    // until the child has exited (see ProcessTransport.HoldTerminal).
                    var writeFd = UnixLibc.Duplicate(fds[1]);
                    var guardFd = writeFd < 0 ? -1 : UnixLibc.Duplicate(fds[1]);
                    if (guardFd < 0)
                    {
                        var errno = Libc.Errno;
                        CloseFd(ref writeFd);
                        ProcessLibc.kill(pid, 9);
                        ProcessLibc.waitpid(pid, null, 0);
                        throw new ProcessSpawnException(executable, errno, $"Cannot run '{executable}': duplicating the terminal failed: {Libc.Describe(errno)}.");
                    }

                    transport.Attach(writeFd, fds[1], -1);
                    transport.HoldTerminal(guardFd);
                }
                else
                {
                    transport.Attach(fds[0], fds[1], fds[2]);
                }

                succeeded = true;
                transport.WatchExit(pidfd);
                transport.Start();
                return transport;
            }
            finally
            {
                _ = ProcessLibc.posix_spawn_file_actions_destroy(fileActions);
                _ = ProcessLibc.posix_spawnattr_destroy(attributes);
            }
        }
        finally
        {
            if (!succeeded)
            {
                for (var i = 0; i < 6; i++)
                {
                    CloseFd(ref fds[i]);
                }
            }

            foreach (var p in strings)
            {
                NativeMemory.Free((void*)p);
            }

            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(sigset);
        }
    }

    /// <summary>Sets a terminal's window size through its master (TIOCSWINSZ).</summary>
    public static void SetWindowSize(int fd, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columns, ushort.MaxValue);
        var size = new ProcessLibc.WinSize { Rows = (ushort)rows, Columns = (ushort)columns };
        if (ProcessLibc.ioctl(fd, ProcessLibc.TIOCSWINSZ, &size) != 0)
        {
            var errno = Libc.Errno;
            throw new InvalidOperationException($"Setting the terminal's window size to {rows}x{columns} failed: {Libc.Describe(errno)}.");
        }
    }

    /// <summary>
    /// The file to run: <paramref name="executable"/> itself when it holds a '/', else the first executable file of that
    /// name on the PATH of the child's environment (of this process when the child's has none), as execvpe does.
    /// </summary>
    private static string Resolve(string executable, IReadOnlyDictionary<string, string>? env)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            return executable;
        }

        string? pathVariable = null;
        if (env is not null)
        {
            env.TryGetValue("PATH", out pathVariable);
        }

        pathVariable ??= Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var directory in pathVariable.Split(':'))
        {
            var candidate = Path.Combine(directory.Length == 0 ? "." : directory, executable);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        throw new ProcessSpawnException(executable, ProcessLibc.ENOENT, $"Cannot run '{executable}': no such executable on the PATH ({pathVariable}).");
    }

    private static IEnumerable<KeyValuePair<string, string>> CurrentEnvironment()
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            yield return new KeyValuePair<string, string>((string)entry.Key, (string?)entry.Value ?? "");
        }
    }

    private static void MakePipe(int* fds, int parent, int child, bool parentWrites, string executable)
    {
        var pair = stackalloc int[2];
        if (ProcessLibc.pipe2(pair, ProcessLibc.O_CLOEXEC) != 0)
        {
            var errno = Libc.Errno;
            throw new ProcessSpawnException(executable, errno, $"Cannot run '{executable}': making a pipe failed: {Libc.Describe(errno)}.");
        }

        // pair[0] reads, pair[1] writes. Only the parent's end is non-blocking: the child expects ordinary blocking stdio.
        fds[parent] = parentWrites ? pair[1] : pair[0];
        fds[child] = parentWrites ? pair[0] : pair[1];
        if (ProcessLibc.SetNonBlocking(fds[parent], true) < 0)
        {
            var errno = Libc.Errno;
            throw new ProcessSpawnException(executable, errno, $"Cannot run '{executable}': making a pipe non-blocking failed: {Libc.Describe(errno)}.");
        }
    }

    /// <summary>Opens a pseudo-terminal master into fds[1] and returns the slave's path.</summary>
    private static string OpenPty(int* fds, string executable)
    {
        var master = ProcessLibc.posix_openpt(ProcessLibc.O_RDWR | ProcessLibc.O_NOCTTY | ProcessLibc.O_CLOEXEC);
        if (master < 0)
        {
            var errno = Libc.Errno;
            throw new ProcessSpawnException(executable, errno, $"Cannot run '{executable}' on a pseudo-terminal: posix_openpt failed: {Libc.Describe(errno)}.");
        }

        fds[1] = master;
        if (ProcessLibc.grantpt(master) != 0 || ProcessLibc.unlockpt(master) != 0 || ProcessLibc.SetNonBlocking(master, true) < 0)
        {
            var errno = Libc.Errno;
            throw new ProcessSpawnException(executable, errno, $"Cannot run '{executable}' on a pseudo-terminal: preparing it failed: {Libc.Describe(errno)}.");
        }

        var buffer = stackalloc byte[128];
        var error = ProcessLibc.ptsname_r(master, buffer, 128);
        if (error != 0)
        {
            throw new ProcessSpawnException(executable, error, $"Cannot run '{executable}' on a pseudo-terminal: ptsname failed: {Libc.Describe(error)}.");
        }

        return Marshal.PtrToStringUTF8((nint)buffer)!;
    }

    private static byte* Utf8(string value, List<nint> owned)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{value.Replace("\0", "\\0", StringComparison.Ordinal)}' holds a NUL character, which no argument, variable or path may hold.");
        }

        var count = Encoding.UTF8.GetByteCount(value);
        var p = (byte*)NativeMemory.Alloc((nuint)count + 1);
        owned.Add((nint)p);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, count));
        p[count] = 0;
        return p;
    }

    private static void Check(int error, string call, string executable)
    {
        if (error != 0)
        {
            throw new ProcessSpawnException(executable, error, $"Cannot run '{executable}': {call} failed: {Libc.Describe(error)}.");
        }
    }

    private static void CloseFd(ref int fd)
    {
        if (fd >= 0)
        {
            Libc.close(fd);
            fd = -1;
        }
    }
}
