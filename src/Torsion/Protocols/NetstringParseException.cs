namespace Torsion.Protocols;

/// <summary>The peer sent something that is not a netstring (bad length, too long, no trailing comma).</summary>
public sealed class NetstringParseException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public NetstringParseException() : base("The received data is not a valid netstring.") { }

    /// <summary>Creates the exception with a message.</summary>
    public NetstringParseException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public NetstringParseException(string message, Exception inner) : base(message, inner) { }
}
