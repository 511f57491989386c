namespace Torsion.Protocols.Socks;

/// <summary>The header of a datagram relayed by a SOCKS5 UDP ASSOCIATE (RFC 1928 §7): RSV(2), FRAG, ATYP, DST.ADDR, DST.PORT.</summary>
/// <param name="Fragment">FRAG: 0 for a whole datagram (the only kind Torsion relays).</param>
/// <param name="Destination">Where the payload goes (from the client) or where it came from (to the client).</param>
/// <param name="Length">How many bytes the header took; the payload follows.</param>
public sealed record Socks5UdpHeader(byte Fragment, SocksAddress Destination, int Length);
