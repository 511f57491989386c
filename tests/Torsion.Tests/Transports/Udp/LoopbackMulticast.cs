using System.Diagnostics;

namespace Torsion.Tests.Transports.Udp;

/// <summary>
/// Makes sure the loopback interface may carry multicast. Linux's lo has no MULTICAST flag by default; a real
/// kernel then still loops group datagrams back to local members when the sender sets IP_MULTICAST_IF 127.0.0.1,
/// and gVisor (this sandbox) ignores the flag. Where the flag is missing and the tests run as root, it is set with
/// `ip link set lo multicast on` (harmless: lo only carries this machine's traffic). No route is added.
/// </summary>
public static class LoopbackMulticast
{
    private const int IffMulticast = 0x1000;
    private static readonly Lazy<string> Setup = new(Run);

    /// <summary>What was found or done, for the test output.</summary>
    public static string Ensure() => Setup.Value;

    private static string Run()
    {
        const string flagsPath = "/sys/class/net/lo/flags";
        if (!File.Exists(flagsPath))
        {
            return "no /sys/class/net/lo/flags; left as it is";
        }

        var flags = Convert.ToInt32(File.ReadAllText(flagsPath).Trim(), 16);
        if ((flags & IffMulticast) != 0)
        {
            return "lo has the MULTICAST flag";
        }

        if (Environment.UserName != "root")
        {
            return "lo lacks the MULTICAST flag and the tests do not run as root; trying as it is";
        }

        using var ip = Process.Start(new ProcessStartInfo("ip", "link set lo multicast on") { RedirectStandardError = true, UseShellExecute = false });
        if (ip is null)
        {
            return "could not start `ip`; trying as it is";
        }

        var error = ip.StandardError.ReadToEnd();
        return ip.WaitForExit(10_000) && ip.ExitCode == 0
            ? "set the MULTICAST flag on lo"
            : $"`ip link set lo multicast on` failed ({error.Trim()}); trying as it is";
    }
}
