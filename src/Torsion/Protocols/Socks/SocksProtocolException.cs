namespace Torsion.Protocols.Socks;

/// <summary>
/// SOCKS bytes are malformed or out of limits; the message names the field. <see cref="Reply"/> is the SOCKS5 reply a
/// server sends before closing (a SOCKS4 server always answers 91).
/// </summary>
public sealed class SocksProtocolException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SocksProtocolException()
        : base("Malformed SOCKS message.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public SocksProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the SOCKS5 reply that answers it.</summary>
    public SocksProtocolException(string message, Socks5ReplyCode reply)
        : base(message) => Reply = reply;

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public SocksProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The SOCKS5 reply a server answers with: <see cref="Socks5ReplyCode.GeneralFailure"/> unless more precise.</summary>
    public Socks5ReplyCode Reply { get; } = Socks5ReplyCode.GeneralFailure;
}
