namespace Torsion.Protocols.Socks;

/// <summary>The CD byte of a SOCKS4 reply.</summary>
public enum Socks4ReplyCode : byte
{
    /// <summary>90: request granted.</summary>
    Granted = 90,

    /// <summary>91: request rejected or failed.</summary>
    Rejected = 91,

    /// <summary>92: rejected because the server cannot reach identd on the client.</summary>
    IdentdUnreachable = 92,

    /// <summary>93: rejected because identd reported a different user id.</summary>
    IdentdMismatch = 93,
}
