using System.Buffers;

namespace Torsion.Transports.Process;

/// <summary>
/// A running child process as its <see cref="ProcessProtocol"/> sees it (Twisted's IProcessTransport): write to its
/// standard input, close its pipes, signal it. Used from the reactor thread only. As a producer it stops reading the
/// child's output while paused, so a fast child blocks on a full pipe instead of filling memory.
/// </summary>
public interface IProcessTransport : IConsumer, IPushProducer
{
    /// <summary>The child's process id; it stays set after the process has been reaped.</summary>
    int Pid { get; }

    /// <summary>True for a process spawned with a pseudo-terminal (usePty).</summary>
    bool IsPty { get; }

    /// <summary>True once the child has exited and been reaped (<see cref="ProcessProtocol.ProcessExited"/> has run).</summary>
    bool HasExited { get; }

    /// <summary>Writes several buffers to the child's standard input.</summary>
    void WriteSequence(ReadOnlySequence<byte> data);

    /// <summary>
    /// Closes the child's standard input once pending writes are written (the child reads end of file). With a
    /// pseudo-terminal it writes the end-of-file character (Ctrl-D) instead, which a program reading in canonical mode
    /// takes as end of file.
    /// </summary>
    void CloseStdin();

    /// <summary>Stops reading the child's standard output and closes the pipe (the child gets SIGPIPE if it writes on).</summary>
    void CloseStdout();

    /// <summary>Stops reading the child's standard error and closes the pipe.</summary>
    void CloseStderr();

    /// <summary>Closes the pipe of child descriptor 0, 1 or 2 (as <see cref="CloseStdin"/>, <see cref="CloseStdout"/>, <see cref="CloseStderr"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="childFd"/> is not 0, 1 or 2.</exception>
    void CloseChildFd(int childFd);

    /// <summary>Closes standard input (after pending writes), standard output and standard error; with a pseudo-terminal, closes the master (the child gets SIGHUP).</summary>
    void LoseConnection();

    /// <summary>Sends a signal named as Twisted names them: "TERM", "KILL", "INT", "HUP" (or "SIGTERM", or a number as text).</summary>
    /// <exception cref="ArgumentException">No such signal.</exception>
    /// <exception cref="ProcessExitedAlreadyException">The process has exited and been reaped.</exception>
    void SignalProcess(string signal);

    /// <summary>Sends signal number <paramref name="signal"/> (15 = TERM, 9 = KILL).</summary>
    /// <exception cref="ProcessExitedAlreadyException">The process has exited and been reaped.</exception>
    void SignalProcess(int signal);

    /// <summary>Sets the pseudo-terminal's window size; the kernel sends SIGWINCH to the child's foreground process group.</summary>
    /// <exception cref="InvalidOperationException">The process has no pseudo-terminal, or it is closed.</exception>
    void SetWindowSize(int rows, int columns);
}
