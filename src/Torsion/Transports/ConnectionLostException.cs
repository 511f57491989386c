namespace Torsion.Transports;

/// <summary>The connection was lost in a non-clean fashion (reset, error, truncation).</summary>
public class ConnectionLostException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ConnectionLostException() : base("Connection was lost in a non-clean fashion.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ConnectionLostException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ConnectionLostException(string message, Exception inner) : base(message, inner) { }
}
