namespace Torsion.Transports.Process;

/// <summary>
/// The child process exited with a non-zero code or was killed by a signal (Twisted's ProcessTerminated):
/// exactly one of <see cref="ExitCode"/> and <see cref="Signal"/> is set.
/// </summary>
public sealed class ProcessTerminatedException : Exception
{
    /// <summary>Makes the exception for an exit code or a signal (one of them is null).</summary>
    public ProcessTerminatedException(int? exitCode, int? signal, bool coreDumped = false)
        : base(Describe(exitCode, signal, coreDumped))
    {
        ExitCode = exitCode;
        Signal = signal;
        CoreDumped = coreDumped;
    }

    /// <summary>Makes the exception with a message of your own and neither code nor signal.</summary>
    public ProcessTerminatedException()
        : base("The process ended.")
    {
    }

    /// <summary>Makes the exception with a message of your own and neither code nor signal.</summary>
    public ProcessTerminatedException(string message)
        : base(message)
    {
    }

    /// <summary>Makes the exception with a message, an inner exception, and neither code nor signal.</summary>
    public ProcessTerminatedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exit code (1-255), or null when a signal ended the process.</summary>
    public int? ExitCode { get; }

    /// <summary>The number of the signal that killed the process (15 = TERM, 9 = KILL), or null when it exited.</summary>
    public int? Signal { get; }

    /// <summary>True when the signal made the process dump core.</summary>
    public bool CoreDumped { get; }

    private static string Describe(int? exitCode, int? signal, bool coreDumped) => signal is { } s
        ? $"The process was killed by signal {s} ({ProcessSignals.NameOf(s)}){(coreDumped ? " and dumped core" : "")}."
        : exitCode is { } c ? $"The process exited with code {c}." : "The process ended, but its exit status was collected elsewhere and is unknown.";
}
