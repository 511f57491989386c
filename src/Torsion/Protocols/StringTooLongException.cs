namespace Torsion.Protocols;

/// <summary>A string is too long to be sent with the length prefix of the framing.</summary>
public sealed class StringTooLongException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public StringTooLongException() : base("The string is too long for the length prefix.") { }

    /// <summary>Creates the exception with a message.</summary>
    public StringTooLongException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StringTooLongException(string message, Exception inner) : base(message, inner) { }
}
