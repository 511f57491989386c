namespace Torsion.Transports;

/// <summary>A host name could not be resolved to an address.</summary>
public sealed class DnsLookupException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public DnsLookupException() : base("A host name lookup failed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public DnsLookupException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DnsLookupException(string message, Exception? inner) : base(message, inner) { }
}
