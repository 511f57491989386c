namespace Torsion.Protocols.Socks;

/// <summary>The SOCKS proxy refused a request; <see cref="Version"/> and <see cref="ReplyCode"/> say how.</summary>
public sealed class SocksReplyException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SocksReplyException()
        : base("The SOCKS proxy refused the request.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public SocksReplyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public SocksReplyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refusal: <paramref name="version"/> 4 or 5 and the reply byte.</summary>
    public SocksReplyException(int version, byte replyCode, string destination)
        : base($"The SOCKS{version} proxy refused the connection to {destination}: {Describe(version, replyCode)} (reply code {replyCode}).")
    {
        Version = version;
        ReplyCode = replyCode;
    }

    /// <summary>4 or 5 (0 when built with a message only).</summary>
    public int Version { get; }

    /// <summary>The reply byte: a <see cref="Socks4ReplyCode"/> for version 4, a <see cref="Socks5ReplyCode"/> for 5.</summary>
    public byte ReplyCode { get; }

    /// <summary>The SOCKS5 reply code, or null for SOCKS4.</summary>
    public Socks5ReplyCode? Socks5Code => Version == 5 ? (Socks5ReplyCode)ReplyCode : null;

    /// <summary>A person's words for a reply code.</summary>
    public static string Describe(int version, byte replyCode) => version == 4
        ? replyCode switch
        {
            90 => "request granted",
            91 => "request rejected or failed",
            92 => "the proxy cannot reach identd on the client",
            93 => "identd reported a different user id",
            _ => "unknown SOCKS4 reply",
        }
        : replyCode switch
        {
            0 => "succeeded",
            1 => "general SOCKS server failure",
            2 => "connection not allowed by ruleset",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "unknown SOCKS5 reply",
        };
}
