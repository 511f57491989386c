namespace Torsion.Endpoints.Proxy;

/// <summary>A PROXY protocol header is malformed, too long or of an unsupported kind; the message says which part.</summary>
public sealed class ProxyHeaderException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ProxyHeaderException()
        : base("Malformed PROXY protocol header.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public ProxyHeaderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public ProxyHeaderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
