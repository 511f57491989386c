namespace Torsion.Protocols.Socks;

/// <summary>The REP byte of a SOCKS5 reply (RFC 1928 §6).</summary>
public enum Socks5ReplyCode : byte
{
    /// <summary>0: succeeded.</summary>
    Succeeded = 0,

    /// <summary>1: general SOCKS server failure.</summary>
    GeneralFailure = 1,

    /// <summary>2: connection not allowed by ruleset.</summary>
    NotAllowed = 2,

    /// <summary>3: network unreachable.</summary>
    NetworkUnreachable = 3,

    /// <summary>4: host unreachable.</summary>
    HostUnreachable = 4,

    /// <summary>5: connection refused.</summary>
    ConnectionRefused = 5,

    /// <summary>6: TTL expired.</summary>
    TtlExpired = 6,

    /// <summary>7: command not supported.</summary>
    CommandNotSupported = 7,

    /// <summary>8: address type not supported.</summary>
    AddressTypeNotSupported = 8,
}
