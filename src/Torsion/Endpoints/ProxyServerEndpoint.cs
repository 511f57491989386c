using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Endpoints.Proxy;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>
/// Accepts the HAProxy PROXY protocol (v1, v2) in front of any server endpoint (<c>proxy:tcp:8080</c>,
/// <c>proxy:ssl:8443:...</c>): the application's transport shows the original client as its Peer.
/// </summary>
public sealed class ProxyServerEndpoint : IStreamServerEndpoint
{
    private readonly IReactorTime _clock;
    private readonly ILogger? _logger;

    /// <summary>Wraps <paramref name="inner"/>; a header later than <paramref name="headerTimeout"/> (default 10 s) closes the connection.</summary>
    public ProxyServerEndpoint(IStreamServerEndpoint inner, IReactorTime clock, TimeSpan? headerTimeout = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(clock);
        Inner = inner;
        _clock = clock;
        _logger = logger;
        HeaderTimeout = headerTimeout ?? ProxyProtocolFactory.DefaultHeaderTimeout;
    }

    /// <summary>The endpoint that really listens.</summary>
    public IStreamServerEndpoint Inner { get; }

    /// <summary>How long a connection may take to send its header.</summary>
    public TimeSpan HeaderTimeout { get; }

    /// <inheritdoc />
    public Deferred<IListeningPort> Listen(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        IProtocolFactory Wrap(IProtocolFactory f) => new ProxyProtocolFactory(f, _clock, HeaderTimeout, _logger);

        // The PROXY header comes first on the wire, before any TLS handshake: it must be read outside TLS.
        return Inner is SslServerEndpoint ssl ? ssl.ListenWrapped(factory, Wrap) : Inner.Listen(Wrap(factory));
    }

    /// <inheritdoc />
    public override string ToString() => $"proxy:{Inner}";
}
