namespace Torsion.Protocols.Socks;

/// <summary>A SOCKS5 request (RFC 1928 §4): VER=5, CMD, RSV, ATYP, DST.ADDR, DST.PORT.</summary>
/// <param name="Command">CONNECT, BIND or UDP ASSOCIATE.</param>
/// <param name="Destination">DST.ADDR and DST.PORT.</param>
public sealed record Socks5Request(SocksCommand Command, SocksAddress Destination);
