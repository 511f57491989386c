using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints.Proxy;

/// <summary>
/// Accepts the HAProxy PROXY protocol (v1 and v2) in front of another factory's protocols: each connection first
/// reads the header, then the wrapped factory builds its protocol for the original client, whose transport's
/// <c>Peer</c> and <c>Host</c> are the addresses the header names. A malformed, oversized or late header closes
/// the connection with a logged reason.
/// </summary>
public sealed class ProxyProtocolFactory : IProtocolFactory
{
    /// <summary>How long a connection may take to send its header by default.</summary>
    public static readonly TimeSpan DefaultHeaderTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Wraps <paramref name="wrappedFactory"/>.</summary>
    /// <param name="wrappedFactory">Builds the application protocol once the header is read.</param>
    /// <param name="clock">Times the header.</param>
    /// <param name="headerTimeout">How long the header may take (default 10 s).</param>
    /// <param name="logger">Where refused connections are logged.</param>
    /// <param name="maxV2HeaderLength">The longest v2 header accepted (default 4096 bytes).</param>
    public ProxyProtocolFactory(IProtocolFactory wrappedFactory, IReactorTime clock, TimeSpan? headerTimeout = null, ILogger? logger = null, int maxV2HeaderLength = ProxyHeaderParser.DefaultMaxV2Length)
    {
        ArgumentNullException.ThrowIfNull(wrappedFactory);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxV2HeaderLength, ProxyHeaderParser.V2FixedLength);
        WrappedFactory = wrappedFactory;
        Clock = clock;
        HeaderTimeout = headerTimeout ?? DefaultHeaderTimeout;
        Logger = logger ?? NullLogger.Instance;
        MaxV2HeaderLength = maxV2HeaderLength;
    }

    /// <summary>The factory of the application protocols.</summary>
    public IProtocolFactory WrappedFactory { get; }

    /// <summary>The clock that times headers.</summary>
    public IReactorTime Clock { get; }

    /// <summary>How long a header may take.</summary>
    public TimeSpan HeaderTimeout { get; }

    /// <summary>The longest v2 header accepted.</summary>
    public int MaxV2HeaderLength { get; }

    internal ILogger Logger { get; }

    /// <inheritdoc />
    public void DoStart() => WrappedFactory.DoStart();

    /// <inheritdoc />
    public void DoStop() => WrappedFactory.DoStop();

    /// <inheritdoc />
    public IProtocol? BuildProtocol(EndPoint peer) => new ProxyProtocolReceiver(this);
}
