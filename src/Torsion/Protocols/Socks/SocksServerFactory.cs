using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Cred;
using Torsion.Endpoints;
using Torsion.Reactor;

namespace Torsion.Protocols.Socks;

/// <summary>
/// Builds a <see cref="SocksServerProtocol"/> per incoming connection: a SOCKS4, SOCKS4a and SOCKS5 proxy (CONNECT,
/// BIND, UDP ASSOCIATE). Listen on loopback unless the proxy is meant for others: nothing here stops an open proxy
/// except <see cref="AccessRule"/> and <see cref="Checker"/>.
/// </summary>
public sealed class SocksServerFactory : Factory
{
    /// <summary>The default <see cref="HandshakeTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="ConnectTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="BindTimeout"/>: 2 minutes.</summary>
    public static readonly TimeSpan DefaultBindTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The default <see cref="MaxPendingBytes"/>: 64 KiB.</summary>
    public const int DefaultMaxPendingBytes = 64 * 1024;

    /// <summary>Creates the factory.</summary>
    /// <param name="reactor">Connects, listens (BIND) and relays UDP.</param>
    /// <param name="checker">When set, SOCKS5 clients must log in with RFC 1929 username/password checked here, and SOCKS4 is refused.</param>
    /// <param name="resolver">Resolves host names of SOCKS4a/SOCKS5 requests; null: <see cref="SystemHostResolver"/>.</param>
    /// <param name="accessRule">Refuses destinations; null allows every destination.</param>
    /// <param name="logger">Where refusals and failures are logged.</param>
    public SocksServerFactory(IReactor reactor, ICredentialsChecker? checker = null, IHostResolver? resolver = null, ISocksAccessRule? accessRule = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        Reactor = reactor;
        Checker = checker;
        Resolver = resolver ?? new SystemHostResolver(reactor);
        AccessRule = accessRule;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The reactor used for outgoing connections and BIND/UDP ports.</summary>
    public IReactor Reactor { get; }

    /// <summary>Checks SOCKS5 usernames and passwords; null: no authentication.</summary>
    public ICredentialsChecker? Checker { get; }

    /// <summary>Resolves host names given by clients.</summary>
    public IHostResolver Resolver { get; }

    /// <summary>Refuses destinations; null allows all.</summary>
    public ISocksAccessRule? AccessRule { get; }

    /// <summary>Where refusals and failures are logged.</summary>
    public ILogger Logger { get; }

    /// <summary>How long a client has to complete greeting, login and request; then the connection is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>How long connecting to a destination may take before the client gets "host unreachable".</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;

    /// <summary>How long a BIND waits for its incoming connection before the client gets a failure reply.</summary>
    public TimeSpan BindTimeout { get; init; } = DefaultBindTimeout;

    /// <summary>Bytes from the client held while the destination is being reached; above this, reading pauses.</summary>
    public int MaxPendingBytes { get; init; } = DefaultMaxPendingBytes;

    /// <summary>True when <see cref="AccessRule"/> allows <paramref name="destination"/>.</summary>
    public bool Allows(IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var address = destination.Address.IsIPv4MappedToIPv6 ? destination.Address.MapToIPv4() : destination.Address;
        return AccessRule is null || AccessRule.Allows(new IPEndPoint(address, destination.Port));
    }

    /// <inheritdoc />
    public override IProtocol? BuildProtocol(EndPoint peer) => new SocksServerProtocol(this) { Factory = this };
}
