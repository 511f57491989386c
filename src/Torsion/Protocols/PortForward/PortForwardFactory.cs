using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Defer;

namespace Torsion.Protocols.PortForward;

/// <summary>
/// Builds a <see cref="PortForwardServerProtocol"/> per incoming connection (twisted.protocols.portforward.ProxyFactory);
/// each connects to the destination with the given function, which takes the factory of the outbound protocol and
/// returns the Deferred of the connection (an endpoint's <c>Connect</c>).
/// </summary>
public sealed class PortForwardFactory : Factory
{
    /// <summary>The default <see cref="MaxPendingBytes"/>: 64 KiB.</summary>
    public const int DefaultMaxPendingBytes = 64 * 1024;

    /// <summary>Creates the factory.</summary>
    /// <param name="connect">Connects to the destination with the given factory, e.g. <c>f =&gt; Endpoints.Client(reactor, dest).Connect(f)</c>.</param>
    /// <param name="logger">Where connection failures to the destination are logged.</param>
    public PortForwardFactory(Func<IProtocolFactory, Deferred<IProtocol>> connect, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connect);
        Connect = connect;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Connects to the destination.</summary>
    public Func<IProtocolFactory, Deferred<IProtocol>> Connect { get; }

    /// <summary>Where connection failures to the destination are logged.</summary>
    public ILogger Logger { get; }

    /// <summary>
    /// Bytes from the client held while the destination connection is being made; above this, reading from the client
    /// pauses until the destination is connected. Default <see cref="DefaultMaxPendingBytes"/>.
    /// </summary>
    public int MaxPendingBytes { get; init; } = DefaultMaxPendingBytes;

    /// <inheritdoc />
    public override IProtocol? BuildProtocol(EndPoint peer) => new PortForwardServerProtocol(this) { Factory = this };
}
