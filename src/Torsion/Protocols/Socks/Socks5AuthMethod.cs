namespace Torsion.Protocols.Socks;

/// <summary>A SOCKS5 authentication method (RFC 1928 §3).</summary>
public enum Socks5AuthMethod : byte
{
    /// <summary>0x00: no authentication required.</summary>
    NoAuthentication = 0x00,

    /// <summary>0x01: GSSAPI (RFC 1961); not supported by Torsion.</summary>
    Gssapi = 0x01,

    /// <summary>0x02: username/password (RFC 1929).</summary>
    UsernamePassword = 0x02,

    /// <summary>0xFF: the server accepts none of the offered methods.</summary>
    NoAcceptableMethods = 0xFF,
}
