namespace Torsion.Transports.Process;

/// <summary>Signal names (as Twisted's signalProcess takes them: "TERM", "KILL", "INT"...) and their Linux numbers.</summary>
internal static class ProcessSignals
{
    private static readonly (string Name, int Number)[] Table =
    [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7), ("FPE", 8), ("KILL", 9),
        ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15), ("CHLD", 17), ("CONT", 18),
        ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26),
        ("PROF", 27), ("WINCH", 28), ("IO", 29), ("PWR", 30), ("SYS", 31),
    ];

    /// <summary>The number of a signal named "TERM" or "SIGTERM" (any case), or a decimal number.</summary>
    /// <exception cref="ArgumentException">No such signal.</exception>
    public static int Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim().ToUpperInvariant();
        if (n.StartsWith("SIG", StringComparison.Ordinal))
        {
            n = n[3..];
        }

        foreach (var (known, number) in Table)
        {
            if (known == n)
            {
                return number;
            }
        }

        if (int.TryParse(n, out var value) && value is > 0 and < 65)
        {
            return value;
        }

        throw new ArgumentException($"'{name}' names no signal: use a name such as TERM, KILL, INT, HUP, or a number from 1 to 64.", nameof(name));
    }

    /// <summary>"TERM" for 15, or the number as text.</summary>
    public static string NameOf(int number)
    {
        foreach (var (known, n) in Table)
        {
            if (n == number)
            {
                return "SIG" + known;
            }
        }

        return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
