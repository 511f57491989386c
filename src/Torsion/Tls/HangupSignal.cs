using System.Runtime.InteropServices;

namespace Torsion.Tls;

/// <summary>
/// Makes SIGHUP deliverable to .NET's signal handling when the process inherited it ignored (started under nohup, or
/// by a shell that ignores hangups): .NET installs no handler for a signal ignored at start, so an explicit request to
/// reload on SIGHUP would otherwise never fire. Servers such as nginx likewise take SIGHUP whatever they inherited.
/// </summary>
internal static partial class HangupSignal
{
    private const int SigHup = 1;

    /// <summary>Sets SIGHUP back to its default disposition if it is ignored now (Linux; elsewhere nothing).</summary>
    public static void StopIgnoring()
    {
        if (!OperatingSystem.IsLinux() || !IsIgnored())
        {
            return;
        }

        _ = Signal(SigHup, IntPtr.Zero); // SIG_DFL
    }

    private static bool IsIgnored()
    {
        // SigIgn in /proc/self/status is the hex mask of ignored signals; SIGHUP (1) is bit 0.
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 1) != 0;
            }
        }

        return false;
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
