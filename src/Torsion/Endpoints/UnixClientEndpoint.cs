using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>Connects to a Unix stream socket (<c>unix:path=/run/x.sock:timeout=5</c>).</summary>
public sealed class UnixClientEndpoint : IStreamClientEndpoint
{
    private readonly IReactorUnix _reactor;

    /// <summary>An endpoint for the socket at <paramref name="path"/>.</summary>
    public UnixClientEndpoint(IReactorUnix reactor, string path, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _reactor = reactor;
        Path = path;
        Timeout = timeout;
    }

    /// <summary>The socket file's path.</summary>
    public string Path { get; }

    /// <summary>How long connecting may take, or null for the reactor's default.</summary>
    public TimeSpan? Timeout { get; }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory) =>
        ConnectionAttempt.Start(factory, Path, client => _reactor.ConnectUnix(Path, client, Timeout));

    /// <inheritdoc />
    public override string ToString() => $"unix:path={Path}";
}
