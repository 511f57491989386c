namespace Torsion.Transports.Udp;

/// <summary>Joining or leaving a multicast group failed (no such interface, not a group address, not joined).</summary>
public sealed class MulticastJoinException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public MulticastJoinException() : base("Joining or leaving a multicast group failed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public MulticastJoinException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public MulticastJoinException(string message, Exception inner) : base(message, inner) { }
}
