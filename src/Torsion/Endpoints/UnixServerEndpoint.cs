using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>Listens on a Unix socket file (<c>unix:/run/x.sock:mode=660:lockfile=1</c>).</summary>
public sealed class UnixServerEndpoint : IStreamServerEndpoint
{
    private readonly IReactorUnix _reactor;

    /// <summary>An endpoint on <paramref name="path"/> with permission bits <paramref name="mode"/> (0666 by default).</summary>
    /// <param name="reactor">The reactor.</param>
    /// <param name="path">The socket file's path ('\0' first: Linux abstract namespace).</param>
    /// <param name="backlog">The listen backlog.</param>
    /// <param name="mode">The permission bits (an int; 0660 octal is 432).</param>
    /// <param name="lockFile">Hold <c>path.lock</c> with this process id while listening.</param>
    public UnixServerEndpoint(IReactorUnix reactor, string path, int backlog = 50, int mode = 438, bool lockFile = false)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _reactor = reactor;
        Path = path;
        Backlog = backlog;
        Mode = mode;
        LockFile = lockFile;
    }

    /// <summary>The socket file's path.</summary>
    public string Path { get; }

    /// <summary>The listen backlog.</summary>
    public int Backlog { get; }

    /// <summary>The permission bits of the socket file.</summary>
    public int Mode { get; }

    /// <summary>True to hold a lock file next to the socket.</summary>
    public bool LockFile { get; }

    /// <inheritdoc />
    public Deferred<IListeningPort> Listen(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        try
        {
            return Deferred.Succeed(_reactor.ListenUnix(Path, factory, Backlog, Mode, LockFile));
        }
        catch (Exception e)
        {
            return Deferred.Fail<IListeningPort>(e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"unix:{Path}:mode={Convert.ToString(Mode, 8)}";
}
