using Torsion.Transports.Process;

namespace Torsion.Reactor;

/// <summary>Child processes: spawning, and the SIGCHLD fallback for kernels without pidfd_open.</summary>
public abstract partial class ReactorBase
{
    private ChildReaper? _childReaper;

    /// <summary>Reap children through SIGCHLD even where pidfd_open works (tests of the fallback).</summary>
    internal bool ForceSigchldReaping { get; set; }

    /// <summary>The SIGCHLD fallback, made when first needed.</summary>
    internal ChildReaper ChildReaper => _childReaper ??= new ChildReaper(this);

    /// <inheritdoc />
    public IProcessTransport SpawnProcess(
        ProcessProtocol protocol,
        string executable,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        bool usePty = false,
        (int Rows, int Cols)? windowSize = null)
    {
        CheckThread(nameof(SpawnProcess));
        if (this is not (EpollReactor or GLibReactor))
        {
            // Socket.Select takes sockets only; a child's pipes need a reactor that watches any descriptor (epoll, or
            // GLib's unix fd sources).
            throw new PlatformNotSupportedException($"SpawnProcess needs the EpollReactor (Linux); {GetType().Name} watches sockets only.");
        }

        return ProcessSpawner.Spawn(this, protocol, executable, args, env, workingDirectory, usePty, windowSize);
    }

    /// <summary>Releases the SIGCHLD registration, if one was made.</summary>
    private void DisposeProcesses()
    {
        _childReaper?.Dispose();
        _childReaper = null;
    }
}
