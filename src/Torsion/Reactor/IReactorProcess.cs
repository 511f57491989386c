using Torsion.Transports.Process;

namespace Torsion.Reactor;

/// <summary>
/// Child processes (Twisted's IReactorProcess): spawn a program with its stdin, stdout and stderr connected to a
/// <see cref="ProcessProtocol"/>, through pipes or a pseudo-terminal, all watched by the reactor thread.
/// </summary>
public interface IReactorProcess
{
    /// <summary>
    /// Starts <paramref name="executable"/> and connects <paramref name="protocol"/> to it; ConnectionMade runs before
    /// this returns. As in Twisted, <paramref name="args"/> is the whole argv: args[0] is the program's name for itself
    /// (an empty list runs it with argv = [executable]).
    /// </summary>
    /// <param name="protocol">Receives the child's output and its exit.</param>
    /// <param name="executable">A path, or a name looked up on the PATH (of <paramref name="env"/> when it sets one).</param>
    /// <param name="args">The argument vector, argv[0] included.</param>
    /// <param name="env">The child's whole environment; null passes this process's environment on.</param>
    /// <param name="workingDirectory">The child's working directory; null keeps this process's.</param>
    /// <param name="usePty">Run the child on a new pseudo-terminal, as session leader with the terminal as its controlling
    /// terminal: its stdout and stderr both arrive as fd 1, and writes go to the terminal.</param>
    /// <param name="windowSize">The terminal's rows and columns at start (pseudo-terminal only).</param>
    /// <exception cref="ProcessSpawnException">The executable does not exist or cannot be run (the message names it), or the working directory does not exist.</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux, or the reactor is neither the EpollReactor nor the GLibReactor (SelectReactor selects sockets only).</exception>
    IProcessTransport SpawnProcess(
        ProcessProtocol protocol,
        string executable,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        bool usePty = false,
        (int Rows, int Cols)? windowSize = null);
}
