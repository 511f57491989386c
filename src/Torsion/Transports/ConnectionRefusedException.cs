namespace Torsion.Transports;

/// <summary>The peer refused the connection (nothing listens there).</summary>
public sealed class ConnectionRefusedException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ConnectionRefusedException() : base("Connection was refused by the other side.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ConnectionRefusedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ConnectionRefusedException(string message, Exception inner) : base(message, inner) { }
}
