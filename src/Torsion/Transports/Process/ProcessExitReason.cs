namespace Torsion.Transports.Process;

/// <summary>
/// How a child process ended: its exit code or the signal that killed it, and the matching exception as Twisted
/// hands it over (<see cref="ProcessDoneException"/> for exit 0, <see cref="ProcessTerminatedException"/> otherwise).
/// </summary>
public sealed class ProcessExitReason
{
    private ProcessExitReason(int? exitCode, int? signal, bool coreDumped)
    {
        ExitCode = exitCode;
        Signal = signal;
        CoreDumped = coreDumped;
        Exception = exitCode == 0 ? new ProcessDoneException() : new ProcessTerminatedException(exitCode, signal, coreDumped);
    }

    /// <summary>The exit code, or null when a signal ended the process.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal number that killed the process, or null when it exited.</summary>
    public int? Signal { get; }

    /// <summary>True when the signal made the process dump core.</summary>
    public bool CoreDumped { get; }

    /// <summary>True for exit code 0.</summary>
    public bool Success => ExitCode == 0;

    /// <summary><see cref="ProcessDoneException"/> for exit 0, else <see cref="ProcessTerminatedException"/>.</summary>
    public Exception Exception { get; }

    /// <summary>The process exited with <paramref name="code"/>.</summary>
    public static ProcessExitReason Exited(int code) => new(code, null, false);

    /// <summary>The process was killed by <paramref name="signal"/>.</summary>
    public static ProcessExitReason Killed(int signal, bool coreDumped = false) => new(null, signal, coreDumped);

    /// <summary>The process ended but its status was collected elsewhere (SIGCHLD set to be ignored): neither code nor signal is known.</summary>
    public static ProcessExitReason Unknown() => new(null, null, false);

    /// <summary>Decodes a wait status as waitpid gives it.</summary>
    public static ProcessExitReason FromWaitStatus(int status)
    {
        var low = status & 0x7f;
        return low == 0 ? Exited((status >> 8) & 0xff) : Killed(low, (status & 0x80) != 0);
    }

    /// <inheritdoc />
    public override string ToString() => Exception.Message;
}
