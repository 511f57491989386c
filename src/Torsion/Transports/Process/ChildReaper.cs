using System.Runtime.InteropServices;
using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// The fallback where pidfd_open is missing (Linux before 5.3): a SIGCHLD handler (PosixSignalRegistration) asks the
/// reactor thread to waitpid(WNOHANG) each child of this reactor. Only this reactor's own children are reaped, never
/// waitpid(-1), so children of System.Diagnostics.Process or other reactors are left to their owners.
/// </summary>
internal sealed unsafe class ChildReaper : IDisposable
{
    private readonly ReactorBase _reactor;
    private readonly Dictionary<int, Action<int?>> _children = [];
    private readonly PosixSignalRegistration _registration;

    public ChildReaper(ReactorBase reactor)
    {
        _reactor = reactor;
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Child processes are reaped through SIGCHLD on Unix only.");
        }

        _registration = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => _reactor.CallFromThread(ReapAll));
    }

    /// <summary>Watches <paramref name="pid"/>; checks at once in case it exited before the handler knew of it.</summary>
    public void Add(int pid, Action<int?> onExit)
    {
        _children[pid] = onExit;
        ReapAll();
    }

    public void Remove(int pid) => _children.Remove(pid);

    private void ReapAll()
    {
        if (_children.Count == 0)
        {
            return;
        }

        foreach (var (pid, onExit) in _children.ToArray())
        {
            int status;
            var r = ProcessLibc.waitpid(pid, &status, ProcessLibc.WNOHANG);
            if (r == 0 || (r < 0 && Libc.Errno == Libc.EINTR))
            {
                continue;
            }

            _children.Remove(pid);
            onExit(r == pid ? status : null);
        }
    }

    public void Dispose() => _registration.Dispose();
}
