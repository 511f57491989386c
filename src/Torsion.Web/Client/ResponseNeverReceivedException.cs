namespace Torsion.Web.Client;

/// <summary>The connection ended before any byte of the response arrived (the request may or may not have been processed).</summary>
public sealed class ResponseNeverReceivedException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ResponseNeverReceivedException() : base("The connection ended before any response.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ResponseNeverReceivedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ResponseNeverReceivedException(string message, Exception inner) : base(message, inner) { }
}
