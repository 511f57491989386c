namespace Torsion.Protocols.Socks;

/// <summary>A SOCKS5 reply (RFC 1928 §6): VER=5, REP, RSV, ATYP, BND.ADDR, BND.PORT.</summary>
/// <param name="Code">REP.</param>
/// <param name="Bound">BND.ADDR and BND.PORT.</param>
public sealed record Socks5Reply(Socks5ReplyCode Code, SocksAddress Bound);
