namespace Torsion.Transports;

/// <summary>The connection was closed cleanly (by either side).</summary>
public sealed class ConnectionDoneException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ConnectionDoneException() : base("Connection was closed cleanly.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ConnectionDoneException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ConnectionDoneException(string message, Exception inner) : base(message, inner) { }
}
