using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// Watches one child through a pidfd (pidfd_open, Linux 5.3+): the descriptor turns readable when the child exits,
/// and waitpid(WNOHANG) then reaps it, so no zombie is left and no SIGCHLD handler is needed.
/// </summary>
internal sealed unsafe class ChildExitWatcher(ReactorBase reactor, int pidfd, int pid, Action<int?> onExit) : IReadDescriptor
{
    private int _fd = pidfd;

    public int FileDescriptor => _fd;

    public void Start() => reactor.AddReader(this);

    public Exception? DoRead()
    {
        if (_fd < 0)
        {
            return null;
        }

        int status;
        var r = ProcessLibc.waitpid(pid, &status, ProcessLibc.WNOHANG);
        if (r == 0)
        {
            return null;
        }

        if (r < 0 && Libc.Errno == Libc.EINTR)
        {
            return null;
        }

        // ECHILD: somebody else reaped it (a SIGCHLD disposition of SIG_IGN reaps automatically): the status is lost.
        Finish(r == pid ? status : null);
        return null;
    }

    /// <summary>Stops watching without reaping (the transport is going away).</summary>
    public void Close()
    {
        if (_fd >= 0)
        {
            reactor.RemoveReader(this);
            Libc.close(_fd);
            _fd = -1;
        }
    }

    private void Finish(int? status)
    {
        Close();
        onExit(status);
    }

    void IDescriptor.ConnectionLost(Exception reason)
    {
        ReactorLog.DescriptorFailed(reactor.Logger, ToString(), reason);
        Close();
    }

    public override string ToString() => $"pidfd of process {pid} (fd {_fd})";
}
