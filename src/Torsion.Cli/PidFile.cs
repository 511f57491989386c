using System.Diagnostics;
using System.Globalization;

namespace Torsion.Cli;

/// <summary>
/// The <c>--pidfile</c>: holds this process's id while it runs. Refuses to start when the file names a live process;
/// a stale file (its process gone, or not a pid) is replaced. Removed on <see cref="Dispose"/> if it still holds our pid.
/// </summary>
internal sealed class PidFile : IDisposable
{
    private readonly string _path;
    private readonly int _pid;

    private PidFile(string path, int pid)
    {
        _path = path;
        _pid = pid;
    }

    /// <summary>Writes this process's id to <paramref name="path"/>.</summary>
    /// <exception cref="PidFileException">A live process holds the file, or it cannot be written.</exception>
    public static PidFile Acquire(string path)
    {
        var pid = Environment.ProcessId;
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && ReadPid(full) is { } other && other != pid && IsAlive(other))
        {
            throw new PidFileException($"pidfile {path} holds pid {other}, a running process: is another torsion running? (remove the file if not)");
        }

        try
        {
            File.WriteAllText(full, pid.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PidFileException($"cannot write pidfile {path}: {e.Message}", e);
        }

        return new PidFile(full, pid);
    }

    /// <summary>Removes the file if it still holds this process's id.</summary>
    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && ReadPid(_path) == _pid)
            {
                File.Delete(_path);
            }
        }
        catch (IOException)
        {
            // Exiting anyway; a stale pidfile is replaced at the next start.
        }
    }

    internal static int? ReadPid(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
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
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
