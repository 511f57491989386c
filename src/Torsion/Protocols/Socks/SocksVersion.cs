namespace Torsion.Protocols.Socks;

/// <summary>The SOCKS dialect a <see cref="SocksClientEndpoint"/> speaks.</summary>
public enum SocksVersion
{
    /// <summary>SOCKS4: IPv4 destinations only, resolved by the client.</summary>
    Socks4,

    /// <summary>SOCKS4a: as SOCKS4, but a host name is sent to the proxy to resolve.</summary>
    Socks4a,

    /// <summary>SOCKS5 (RFC 1928): IPv4, IPv6 or a host name the proxy resolves; optional RFC 1929 username/password.</summary>
    Socks5,
}
