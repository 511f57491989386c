using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>One <c>ListenUnix</c> call recorded by <see cref="MemoryReactor"/>; also the port it returned.</summary>
public sealed class UnixListenRecord(string path, IProtocolFactory factory, int backlog, int mode, bool wantPid) : IListeningPort
{
    /// <summary>The path given.</summary>
    public string Path { get; } = path;

    /// <summary>The factory given.</summary>
    public IProtocolFactory Factory { get; } = factory;

    /// <summary>The backlog given.</summary>
    public int Backlog { get; } = backlog;

    /// <summary>The file mode given.</summary>
    public int Mode { get; } = mode;

    /// <summary>The wantPid flag given.</summary>
    public bool WantPid { get; } = wantPid;

    /// <summary>True once <see cref="StopListening"/> was called.</summary>
    public bool Stopped { get; private set; }

    /// <inheritdoc />
    public EndPoint Host { get; } = new UnixDomainSocketEndPoint(path);

    /// <inheritdoc />
    public Deferred<Unit> StopListening()
    {
        Stopped = true;
        return Deferred.Succeed();
    }
}
