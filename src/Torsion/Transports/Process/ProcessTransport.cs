using System.Buffers;
using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// A spawned child: its three pipes (or one pseudo-terminal master, read and written through two descriptors) watched
/// by the reactor, and its exit watched through a pidfd (or <see cref="ChildReaper"/>). Fires ProcessExited when the
/// child is reaped and ProcessEnded once it is reaped and every pipe is closed.
/// </summary>
internal sealed unsafe class ProcessTransport : IProcessTransport
{
    private readonly ReactorBase _reactor;
    private readonly ProcessProtocol _protocol;
    private readonly string _name;
    private PipeWriter? _stdin;
    private PipeReader? _stdout;
    private PipeReader? _stderr;
    private ChildExitWatcher? _watcher;
    private int _openPipes;
    private int _terminalGuard = -1;
    private ProcessExitReason? _exit;
    private bool _ended;

    internal ProcessTransport(ReactorBase reactor, ProcessProtocol protocol, int pid, string name, bool isPty)
    {
        _reactor = reactor;
        _protocol = protocol;
        Pid = pid;
        _name = name;
        IsPty = isPty;
    }

    public int Pid { get; }

    public bool IsPty { get; }

    public bool HasExited => _exit is not null;

    /// <summary>Bytes written to stdin but not yet taken by the child (for tests of flow control).</summary>
    internal long PendingStdin => _stdin?.Pending ?? 0;

    /// <summary>Takes the parent's ends: stdin write end, stdout and stderr read ends (-1 where there is none).</summary>
    internal void Attach(int stdinFd, int stdoutFd, int stderrFd)
    {
        if (stdinFd >= 0)
        {
            _openPipes++;
            _stdin = new PipeWriter(_reactor, stdinFd, $"the stdin of {_name}", watchReaderGone: !IsPty, reason => PipeClosed(0, reason));
        }

        if (stdoutFd >= 0)
        {
            _openPipes++;
            _stdout = new PipeReader(_reactor, stdoutFd, $"the {(IsPty ? "terminal" : "stdout")} of {_name}", IsPty, data => _protocol.ChildDataReceived(1, data), reason => PipeClosed(1, reason));
        }

        if (stderrFd >= 0)
        {
            _openPipes++;
            _stderr = new PipeReader(_reactor, stderrFd, $"the stderr of {_name}", false, data => _protocol.ChildDataReceived(2, data), reason => PipeClosed(2, reason));
        }
    }

    /// <summary>
    /// Keeps <paramref name="fd"/>, a copy of the pseudo-terminal master, open until the child has exited (or
    /// <see cref="LoseConnection"/> hangs up on purpose). A program that closes its descriptors before exiting (GNU cat
    /// closes 0, 1 and 2) makes the master read end of file while it still runs; without this copy, closing the
    /// read and write ends then would hang the terminal up and kill the exiting child with SIGHUP.
    /// </summary>
    internal void HoldTerminal(int fd) => _terminalGuard = fd;

    private void ReleaseTerminal()
    {
        if (_terminalGuard >= 0)
        {
            Libc.close(_terminalGuard);
            _terminalGuard = -1;
        }
    }

    /// <summary>Watches the exit through <paramref name="pidfd"/>, or through the reactor's SIGCHLD reaper when it is -1.</summary>
    internal void WatchExit(int pidfd)
    {
        if (pidfd >= 0)
        {
            _watcher = new ChildExitWatcher(_reactor, pidfd, Pid, Exited);
            _watcher.Start();
        }
        else
        {
            _reactor.ChildReaper.Add(Pid, Exited);
        }
    }

    /// <summary>Tells the protocol it is connected, then starts reading.</summary>
    internal void Start()
    {
        try
        {
            _protocol.MakeConnection(this);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ConnectionMade of {_protocol.GetType().Name} for {_name}", e);
        }

        _stdin?.Start();
        _stdout?.Start();
        _stderr?.Start();
    }

    // ---- writing ----

    public void Write(ReadOnlySpan<byte> data)
    {
        _reactor.CheckThread("IProcessTransport.Write");
        _stdin?.Write(data);
    }

    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        _reactor.CheckThread("IProcessTransport.RegisterProducer");
        if (_stdin is null or { IsClosing: true })
        {
            ArgumentNullException.ThrowIfNull(producer);
            producer.StopProducing();
            return;
        }

        _stdin.RegisterProducer(producer, streaming);
    }

    public void UnregisterProducer()
    {
        _reactor.CheckThread("IProcessTransport.UnregisterProducer");
        _stdin?.UnregisterProducer();
    }

    // ---- closing ----

    public void CloseStdin()
    {
        _reactor.CheckThread("IProcessTransport.CloseStdin");
        if (IsPty)
        {
            // The terminal's VEOF character: a reader in canonical mode takes it (at the start of a line) as end of file.
            _stdin?.Write([0x04]);
            return;
        }

        _stdin?.CloseWhenDrained();
    }

    public void CloseStdout()
    {
        _reactor.CheckThread("IProcessTransport.CloseStdout");
        _stdout?.Close(new ConnectionDoneException());
    }

    public void CloseStderr()
    {
        _reactor.CheckThread("IProcessTransport.CloseStderr");
        _stderr?.Close(new ConnectionDoneException());
    }

    public void CloseChildFd(int childFd)
    {
        switch (childFd)
        {
            case 0:
                CloseStdin();
                break;
            case 1:
                CloseStdout();
                break;
            case 2:
                CloseStderr();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(childFd), childFd, "A child process has descriptors 0 (stdin), 1 (stdout) and 2 (stderr) here.");
        }
    }

    public void LoseConnection()
    {
        _reactor.CheckThread("IProcessTransport.LoseConnection");
        if (IsPty)
        {
            // Closing the master hangs the terminal up: the kernel sends SIGHUP to the child's session.
            ReleaseTerminal();
            _stdin?.Close(new ConnectionDoneException());
            _stdout?.Close(new ConnectionDoneException());
            return;
        }

        _stdin?.CloseWhenDrained();
        _stdout?.Close(new ConnectionDoneException());
        _stderr?.Close(new ConnectionDoneException());
    }

    // ---- flow control of the child's output ----

    public void PauseProducing()
    {
        _reactor.CheckThread("IProcessTransport.PauseProducing");
        _stdout?.Pause();
        _stderr?.Pause();
    }

    public void ResumeProducing()
    {
        _reactor.CheckThread("IProcessTransport.ResumeProducing");
        _stdout?.Resume();
        _stderr?.Resume();
    }

    public void StopProducing() => LoseConnection();

    // ---- signals and the terminal ----

    public void SignalProcess(string signal) => SignalProcess(ProcessSignals.Parse(signal));

    public void SignalProcess(int signal)
    {
        _reactor.CheckThread("IProcessTransport.SignalProcess");
        ArgumentOutOfRangeException.ThrowIfLessThan(signal, 0);
        if (_exit is not null)
        {
            throw new ProcessExitedAlreadyException($"Process {Pid} ({_name}) has exited already ({_exit}); signal {ProcessSignals.NameOf(signal)} was not sent.");
        }

        // The pid cannot be reused before this side reaps it, so kill() reaches the right process.
        if (ProcessLibc.kill(Pid, signal) != 0)
        {
            var errno = Libc.Errno;
            if (errno == ProcessLibc.ESRCH)
            {
                throw new ProcessExitedAlreadyException($"Process {Pid} ({_name}) has exited already; signal {ProcessSignals.NameOf(signal)} was not sent.");
            }

            throw new InvalidOperationException($"Sending {ProcessSignals.NameOf(signal)} to process {Pid} ({_name}) failed: {Libc.Describe(errno)}.");
        }
    }

    public void SetWindowSize(int rows, int columns)
    {
        _reactor.CheckThread("IProcessTransport.SetWindowSize");
        if (!IsPty)
        {
            throw new InvalidOperationException($"{_name} runs without a pseudo-terminal (usePty was false): it has no window size.");
        }

        var fd = _stdout is { IsClosed: false } ? _stdout.FileDescriptor : _stdin is { IsClosed: false } ? _stdin.FileDescriptor : -1;
        if (fd < 0)
        {
            throw new InvalidOperationException($"The pseudo-terminal of {_name} is closed.");
        }

        ProcessSpawner.SetWindowSize(fd, rows, columns);
    }

    // ---- events ----

    private void PipeClosed(int childFd, Exception reason)
    {
        _openPipes--;
        if (IsPty && childFd == 1)
        {
            // The terminal hung up (the child and everything holding the slave are gone): nothing more can be written.
            _stdin?.Close(reason);
        }

        try
        {
            _protocol.ChildConnectionLost(childFd);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ChildConnectionLost({childFd}) of {_name}", e);
        }

        MaybeEnded();
    }

    private void Exited(int? status)
    {
        _watcher = null;
        _exit = status is { } s ? ProcessExitReason.FromWaitStatus(s) : ProcessExitReason.Unknown();
        ReleaseTerminal();
        try
        {
            _protocol.ProcessExited(_exit);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ProcessExited of {_name}", e);
        }

        MaybeEnded();
    }

    private void MaybeEnded()
    {
        if (_ended || _exit is null || _openPipes > 0)
        {
            return;
        }

        _ended = true;
        try
        {
            _protocol.ProcessEnded(_exit);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ProcessEnded of {_name}", e);
        }
    }

    public override string ToString() => $"process {Pid} ({_name})";
}
