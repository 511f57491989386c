using System.Net;
using Microsoft.Extensions.Logging;

namespace Torsion.Protocols.Policies;

/// <summary>
/// Limits connections in total and per peer address (Twisted's <c>LimitConnectionsByPeer</c> and
/// <c>LimitTotalConnectionsFactory</c> in one). An extra connection is refused (<see cref="BuildProtocol"/>
/// returns null, so the transport closes it at once) or, when <see cref="OverflowProtocol"/> is set, handed to
/// that protocol (e.g. one that writes "busy" and closes), which does not count against the limits. Peers are
/// compared by IP address (IPv4-mapped IPv6 as IPv4), other endpoints by their text. Connections are counted when built
/// and released when lost.
/// </summary>
public sealed class LimitConnectionsFactory : WrappingFactory
{
    private readonly Dictionary<object, int> _perPeer = [];
    private readonly Dictionary<ProtocolWrapper, object> _counted = [];
    private int _maxConnections = int.MaxValue;
    private int _maxConnectionsPerPeer = int.MaxValue;

    /// <summary>Limits the connections of <paramref name="wrappedFactory"/>.</summary>
    public LimitConnectionsFactory(IProtocolFactory wrappedFactory)
        : base(wrappedFactory)
    {
    }

    /// <summary>Most connections open at once (default: no limit).</summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxConnections = value;
        }
    }

    /// <summary>Most connections open at once from one peer address (default: no limit).</summary>
    public int MaxConnectionsPerPeer
    {
        get => _maxConnectionsPerPeer;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxConnectionsPerPeer = value;
        }
    }

    /// <summary>Builds the protocol for a connection over a limit; null refuses such connections.</summary>
    public Func<EndPoint, IProtocol>? OverflowProtocol { get; set; }

    /// <summary>Where refusals are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Connections counted against the limits now.</summary>
    public int ConnectionCount => _counted.Count;

    /// <summary>Connections counted now for the address of <paramref name="peer"/>.</summary>
    public int ConnectionsFrom(EndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return _perPeer.GetValueOrDefault(PeerKey(peer));
    }

    /// <summary>Builds a counted protocol, or refuses (or overflows) a connection over a limit.</summary>
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var key = PeerKey(peer);
        var fromPeer = _perPeer.GetValueOrDefault(key);
        if (ConnectionCount >= MaxConnections || fromPeer >= MaxConnectionsPerPeer)
        {
            var why = fromPeer >= MaxConnectionsPerPeer
                ? $"{fromPeer} connections from {key} already (MaxConnectionsPerPeer {MaxConnectionsPerPeer})"
                : $"{ConnectionCount} connections already (MaxConnections {MaxConnections})";
            if (OverflowProtocol is null)
            {
                Logger?.LogWarning("Refused a connection from {Peer}: {Reason}.", peer, why);
                return null;
            }

            Logger?.LogWarning("Sent a connection from {Peer} to the overflow protocol: {Reason}.", peer, why);
            return new ProtocolWrapper(this, OverflowProtocol(peer));
        }

        var wrapper = base.BuildProtocol(peer) as ProtocolWrapper;
        if (wrapper is not null)
        {
            _counted[wrapper] = key;
            _perPeer[key] = fromPeer + 1;
        }

        return wrapper;
    }

    /// <inheritdoc />
    public override void UnregisterProtocol(ProtocolWrapper protocol)
    {
        base.UnregisterProtocol(protocol);
        if (_counted.Remove(protocol, out var key))
        {
            var left = _perPeer[key] - 1;
            if (left == 0)
            {
                _perPeer.Remove(key);
            }
            else
            {
                _perPeer[key] = left;
            }
        }
    }

    private static object PeerKey(EndPoint peer) => peer switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => ip.Address.MapToIPv4(),
        IPEndPoint ip => ip.Address,
        _ => peer.ToString() ?? peer.GetType().Name,
    };
}
