namespace Torsion.Protocols.Socks;

/// <summary>
/// A SOCKS4 request (VN=4, CD, DSTPORT, DSTIP, USERID NUL); a SOCKS4a request when <see cref="SocksAddress.HostName"/>
/// of <see cref="Destination"/> is set (sent as DSTIP 0.0.0.1 followed by the host name and NUL).
/// </summary>
/// <param name="Command"><see cref="SocksCommand.Connect"/> or <see cref="SocksCommand.Bind"/>.</param>
/// <param name="Destination">An IPv4 address, or a host name for SOCKS4a.</param>
/// <param name="UserId">The USERID field (may be empty).</param>
public sealed record Socks4Request(SocksCommand Command, SocksAddress Destination, string UserId);
