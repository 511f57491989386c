namespace Torsion.Protocols.Socks;

/// <summary>What a SOCKS client asks the proxy to do (the CD byte of SOCKS4, CMD of RFC 1928 §4).</summary>
public enum SocksCommand : byte
{
    /// <summary>Connect to the destination and relay both ways.</summary>
    Connect = 1,

    /// <summary>Listen for one incoming connection from the destination (active FTP and the like).</summary>
    Bind = 2,

    /// <summary>Relay UDP datagrams (SOCKS5 only).</summary>
    UdpAssociate = 3,
}
