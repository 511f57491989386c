using System.Net;

namespace Torsion.Transports;

/// <summary>A port could not be opened for listening (address in use, permission denied, no such address).</summary>
public sealed class CannotListenException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public CannotListenException() : base("Cannot listen.") { }

    /// <summary>Creates the exception with a message.</summary>
    public CannotListenException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CannotListenException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for an address, with the reason and its cause.</summary>
    public CannotListenException(EndPoint address, string reason, Exception? inner)
        : base($"Cannot listen on {address}: {reason}.", inner)
    {
        Address = address;
    }

    /// <summary>The address that could not be listened on, when known.</summary>
    public EndPoint? Address { get; }
}
