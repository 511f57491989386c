using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// The socket file behind a Unix listener: the address for a path, removing a stale file before binding (and
/// refusing a live one), the file mode, the optional pid lock file, and removing the file when done.
/// </summary>
internal sealed class UnixSocketFile
{
    private readonly string? _lockPath;

    private UnixSocketFile(string path, UnixDomainSocketEndPoint endPoint, string? lockPath)
    {
        Path = path;
        EndPoint = endPoint;
        _lockPath = lockPath;
    }

    public string Path { get; }

    public UnixDomainSocketEndPoint EndPoint { get; }

    /// <summary>True for Linux's abstract namespace: the path starts with '\0' and no file exists.</summary>
    public bool IsAbstract => IsAbstractPath(Path);

    internal static bool IsAbstractPath(string path) => path.Length > 0 && path[0] == '\0';

    /// <summary>The address for <paramref name="path"/>, with a clear error for an empty or too long one.</summary>
    internal static UnixDomainSocketEndPoint EndPointFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path == "\0")
        {
            throw new ArgumentException("A Unix socket path must not be empty (abstract names are '\\0' followed by at least one character).", nameof(path));
        }

        try
        {
            return new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"The Unix socket path '{Printable(path)}' is too long ({Encoding.UTF8.GetByteCount(path)} bytes; Linux allows 107).", nameof(path), e);
        }
    }

    /// <summary>How a path is shown in messages: the abstract namespace's leading NUL as '@', as ss and netstat do.</summary>
    internal static string Printable(string path) => IsAbstractPath(path) ? "@" + path[1..] : path;

    /// <summary>Makes the path ready to bind: takes the pid lock if wanted, removes a stale socket file, refuses a live one.</summary>
    internal static UnixSocketFile Prepare(string path, SocketType type, bool wantPid)
    {
        var endPoint = EndPointFor(path);
        var lockPath = wantPid && !IsAbstractPath(path) ? TakeLock(path, endPoint) : null;
        var file = new UnixSocketFile(path, endPoint, lockPath);
        try
        {
            if (!IsAbstractPath(path))
            {
                RemoveIfStale(path, endPoint, type);
            }
        }
        catch
        {
            file.ReleaseLock();
            throw;
        }

        return file;
    }

    private static void RemoveIfStale(string path, UnixDomainSocketEndPoint endPoint, SocketType type)
    {
        if (!File.Exists(path) && !Directory.Exists(path) && !UnixLibc.IsSocketFile(path))
        {
            return;
        }

        if (!UnixLibc.IsSocketFile(path))
        {
            throw new CannotListenException(endPoint, $"'{path}' exists and is not a socket file, so it is left alone", null);
        }

        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nobody is bound there any more: a stale file left by a process that did not clean up.
            File.Delete(path);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
        {
            File.Delete(path);
            return;
        }
        catch (SocketException e)
        {
            // EPROTOTYPE (a socket of the other type is bound there) and the like: somebody uses it.
            throw new CannotListenException(endPoint, $"the address is already in use (the socket file '{path}' belongs to a live socket: {e.Message})", e);
        }

        throw new CannotListenException(endPoint, $"the address is already in use (a server is listening on the socket file '{path}')", null);
    }

    private static string TakeLock(string path, EndPoint endPoint)
    {
        var lockPath = path + ".lock";
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using var stream = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write);
                stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return lockPath;
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                var text = File.ReadAllText(lockPath).Trim();
                if (int.TryParse(text, out var pid) && IsAlive(pid))
                {
                    throw new CannotListenException(endPoint, $"the lock file '{lockPath}' is held by the running process {pid}", null);
                }

                File.Delete(lockPath);
            }
        }

        throw new CannotListenException(endPoint, $"the lock file '{lockPath}' could not be taken (another process races for it)", null);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Applies the permission bits to the socket file (a no-op in the abstract namespace).</summary>
    internal void ApplyMode(int mode)
    {
        if (!IsAbstract && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, (UnixFileMode)mode);
        }
    }

    /// <summary>Removes the socket file and the lock file.</summary>
    internal void Remove()
    {
        if (!IsAbstract)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // Removed or replaced by someone else meanwhile: nothing of ours is left to clean.
            }
        }

        ReleaseLock();
    }

    private void ReleaseLock()
    {
        if (_lockPath is not null)
        {
            File.Delete(_lockPath);
        }
    }

    /// <summary>Turns a received sockaddr_un into an EndPoint: a path, an abstract name, or unnamed.</summary>
    internal static EndPoint Decode(ReadOnlySpan<byte> sockaddr)
    {
        var path = sockaddr.Length > 2 ? sockaddr[2..] : default;
        if (path.IsEmpty)
        {
            return UnnamedUnixEndPoint.Instance;
        }

        if (path[0] != 0)
        {
            var nul = path.IndexOf((byte)0);
            path = nul >= 0 ? path[..nul] : path;
        }

        return path.IsEmpty ? UnnamedUnixEndPoint.Instance : new UnixDomainSocketEndPoint(Encoding.UTF8.GetString(path));
    }
}
