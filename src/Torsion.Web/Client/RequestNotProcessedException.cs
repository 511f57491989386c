namespace Torsion.Web.Client;

/// <summary>
/// The server did not process the request (an HTTP/2 GOAWAY whose last stream id is below the request's stream, or
/// RST_STREAM REFUSED_STREAM, RFC 9113 section 8.7): it is safe to send again, and <see cref="Agent"/> does so on a new
/// connection before reporting this.
/// </summary>
public sealed class RequestNotProcessedException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public RequestNotProcessedException() : base("The server did not process the request.") { }

    /// <summary>Creates the exception with a message.</summary>
    public RequestNotProcessedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RequestNotProcessedException(string message, Exception inner) : base(message, inner) { }
}
