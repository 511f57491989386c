using System.Net;

namespace Torsion.Protocols.Socks;

/// <summary>
/// Decides whether a SOCKS server may reach a destination (CONNECT, BIND's expected peer, each UDP datagram). It is
/// asked with resolved addresses, so a host name cannot slip past a rule on addresses.
/// </summary>
public interface ISocksAccessRule
{
    /// <summary>True when <paramref name="destination"/> may be reached (IPv4-mapped IPv6 addresses arrive as IPv4).</summary>
    bool Allows(IPEndPoint destination);
}
