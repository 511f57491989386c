namespace Torsion.Protocols.Socks;

/// <summary>The SOCKS5 proxy accepted none of the offered authentication methods, or refused the username/password.</summary>
public sealed class SocksAuthenticationException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SocksAuthenticationException()
        : base("The SOCKS proxy refused the authentication.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public SocksAuthenticationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public SocksAuthenticationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
