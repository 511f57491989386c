namespace Torsion.Web.Client;

/// <summary>The reason given to a body protocol's ConnectionLost when the whole response body arrived (Twisted's <c>ResponseDone</c>).</summary>
public sealed class ResponseDoneException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ResponseDoneException() : base("The response body was received completely.") { }

    /// <summary>Creates the exception with a message.</summary>
    public ResponseDoneException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ResponseDoneException(string message, Exception inner) : base(message, inner) { }
}
