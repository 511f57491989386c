using System.Buffers;
using Torsion.Transports;
using Torsion.Transports.Process;

namespace Torsion.Testing;

/// <summary>
/// One <c>SpawnProcess</c> call recorded by <see cref="MemoryReactor"/>; also the process transport its protocol got.
/// Nothing runs: the test plays the child with <see cref="Output"/>, <see cref="CloseChildPipe"/> and <see cref="Exit"/>.
/// </summary>
public sealed class ProcessSpawnRecord : IProcessTransport
{
    private readonly List<byte> _written = [];
    private readonly HashSet<int> _open;
    private ProcessExitReason? _exit;
    private bool _ended;

    internal ProcessSpawnRecord(
        ProcessProtocol protocol,
        string executable,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory,
        bool usePty,
        (int Rows, int Cols)? windowSize,
        int pid)
    {
        Protocol = protocol;
        Executable = executable;
        Args = args;
        Environment = environment;
        WorkingDirectory = workingDirectory;
        IsPty = usePty;
        WindowSize = windowSize;
        Pid = pid;
        _open = usePty ? [0, 1] : [0, 1, 2];
    }

    /// <summary>The protocol given.</summary>
    public ProcessProtocol Protocol { get; }

    /// <summary>The executable given.</summary>
    public string Executable { get; }

    /// <summary>The argument vector given.</summary>
    public IReadOnlyList<string> Args { get; }

    /// <summary>The environment given (null: inherit).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; }

    /// <summary>The working directory given.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The window size: as given, then as last set by <see cref="SetWindowSize"/>.</summary>
    public (int Rows, int Cols)? WindowSize { get; private set; }

    /// <inheritdoc />
    public int Pid { get; }

    /// <inheritdoc />
    public bool IsPty { get; }

    /// <inheritdoc />
    public bool HasExited => _exit is not null;

    /// <summary>Everything written to the child's stdin.</summary>
    public byte[] Written => [.. _written];

    /// <summary>The signals sent, in order, as numbers.</summary>
    public List<int> Signals { get; } = [];

    /// <summary>True once CloseStdin (or LoseConnection) was called.</summary>
    public bool StdinClosed { get; private set; }

    /// <summary>True while the transport is paused (PauseProducing).</summary>
    public bool Paused { get; private set; }

    /// <summary>The producer registered on the transport, if any.</summary>
    public IProducer? Producer { get; private set; }

    /// <summary>The child writes <paramref name="data"/> to <paramref name="childFd"/> (1 or 2).</summary>
    public void Output(int childFd, ReadOnlySpan<byte> data) => Protocol.ChildDataReceived(childFd, data);

    /// <summary>The child closes its end of <paramref name="childFd"/>: ChildConnectionLost, then ProcessEnded if it has exited.</summary>
    public void CloseChildPipe(int childFd)
    {
        if (_open.Remove(childFd))
        {
            Protocol.ChildConnectionLost(childFd);
            MaybeEnded();
        }
    }

    /// <summary>The child exits (or is killed): ProcessExited, and with <paramref name="closePipes"/> every pipe closes and ProcessEnded follows.</summary>
    public void Exit(ProcessExitReason reason, bool closePipes = true)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _exit = reason;
        Protocol.ProcessExited(reason);
        if (closePipes)
        {
            foreach (var fd in _open.Order().ToArray())
            {
                CloseChildPipe(fd);
            }
        }

        MaybeEnded();
    }

    private void MaybeEnded()
    {
        if (!_ended && _exit is not null && _open.Count == 0)
        {
            _ended = true;
            Protocol.ProcessEnded(_exit);
        }
    }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        if (!StdinClosed)
        {
            _written.AddRange(data);
        }
    }

    /// <inheritdoc />
    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    /// <inheritdoc />
    public void RegisterProducer(IProducer producer, bool streaming) => Producer = producer;

    /// <inheritdoc />
    public void UnregisterProducer() => Producer = null;

    /// <inheritdoc />
    public void CloseStdin() => StdinClosed = true;

    /// <inheritdoc />
    public void CloseStdout() => CloseChildPipe(1);

    /// <inheritdoc />
    public void CloseStderr() => CloseChildPipe(2);

    /// <inheritdoc />
    public void CloseChildFd(int childFd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(childFd);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(childFd, 2);
        if (childFd == 0)
        {
            CloseStdin();
        }
        else
        {
            CloseChildPipe(childFd);
        }
    }

    /// <inheritdoc />
    public void LoseConnection()
    {
        CloseStdin();
        CloseChildPipe(0);
        CloseChildPipe(1);
        CloseChildPipe(2);
    }

    /// <summary>Records the signal by its number (TERM = 15, KILL = 9, INT = 2, HUP = 1; or a number as text).</summary>
    public void SignalProcess(string signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var name = signal.Trim().ToUpperInvariant();
        name = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        SignalProcess(name switch
        {
            "HUP" => 1,
            "INT" => 2,
            "QUIT" => 3,
            "KILL" => 9,
            "USR1" => 10,
            "USR2" => 12,
            "TERM" => 15,
            "WINCH" => 28,
            _ => int.TryParse(name, out var n) ? n : throw new ArgumentException($"'{signal}' names no signal.", nameof(signal)),
        });
    }

    /// <inheritdoc />
    public void SignalProcess(int signal)
    {
        if (_exit is not null)
        {
            throw new ProcessExitedAlreadyException($"Process {Pid} has exited already.");
        }

        Signals.Add(signal);
    }

    /// <inheritdoc />
    public void SetWindowSize(int rows, int columns)
    {
        if (!IsPty)
        {
            throw new InvalidOperationException($"{Executable} runs without a pseudo-terminal (usePty was false): it has no window size.");
        }

        WindowSize = (rows, columns);
    }

    /// <inheritdoc />
    public void PauseProducing() => Paused = true;

    /// <inheritdoc />
    public void ResumeProducing() => Paused = false;

    /// <inheritdoc />
    public void StopProducing() => LoseConnection();
}
