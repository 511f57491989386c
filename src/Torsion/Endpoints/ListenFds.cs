using System.Globalization;

namespace Torsion.Endpoints;

/// <summary>
/// The sockets systemd passed to this process (sd_listen_fds(3)): descriptors 3, 4, ... as LISTEN_FDS counts them,
/// valid only when LISTEN_PID is this process, named by LISTEN_FDNAMES.
/// </summary>
public sealed class ListenFds
{
    /// <summary>The first passed descriptor (SD_LISTEN_FDS_START).</summary>
    public const int FirstDescriptor = 3;

    /// <summary>Passed descriptors as given.</summary>
    public ListenFds(IReadOnlyList<int> descriptors, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        ArgumentNullException.ThrowIfNull(names);
        Descriptors = descriptors;
        Names = names;
    }

    /// <summary>The descriptors, in order (3, 4, ...).</summary>
    public IReadOnlyList<int> Descriptors { get; }

    /// <summary>Their names from LISTEN_FDNAMES (systemd's FileDescriptorName=), "unknown" where none was given.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from this process's environment.</summary>
    public static ListenFds FromEnvironment() =>
        Parse(Environment.GetEnvironmentVariable, Environment.ProcessId);

    /// <summary>
    /// Reads the variables through <paramref name="getVariable"/> for process <paramref name="processId"/>: none are
    /// passed unless LISTEN_PID equals it (they were meant for another process).
    /// </summary>
    /// <exception cref="FormatException">LISTEN_PID or LISTEN_FDS is not a number.</exception>
    public static ListenFds Parse(Func<string, string?> getVariable, int processId)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var pid = getVariable("LISTEN_PID");
        var fds = getVariable("LISTEN_FDS");
        if (string.IsNullOrEmpty(pid) || string.IsNullOrEmpty(fds))
        {
            return new ListenFds([], []);
        }

        if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var listenPid))
        {
            throw new FormatException($"LISTEN_PID must be a process id, not '{pid}'.");
        }

        if (!int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new FormatException($"LISTEN_FDS must be a count of descriptors, not '{fds}'.");
        }

        if (listenPid != processId)
        {
            return new ListenFds([], []);
        }

        var given = (getVariable("LISTEN_FDNAMES") ?? "").Split(':');
        var descriptors = Enumerable.Range(FirstDescriptor, count).ToArray();
        var names = Enumerable.Range(0, count).Select(i => i < given.Length && given[i].Length > 0 ? given[i] : "unknown").ToArray();
        return new ListenFds(descriptors, names);
    }
}
