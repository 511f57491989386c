namespace Torsion.Web.Client;

/// <summary>A response could not be read completely: malformed, truncated, too large, or its connection failed.</summary>
public sealed class ResponseFailedException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ResponseFailedException() : base("The response failed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ResponseFailedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ResponseFailedException(string message, Exception inner) : base(message, inner) { }
}
