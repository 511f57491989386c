namespace Torsion.Protocols.Amp;

/// <summary>The keys and error codes AMP reserves (Twisted's <c>ASK</c>, <c>ANSWER</c>, <c>COMMAND</c>...).</summary>
public static class AmpBoxKeys
{
    /// <summary>The tag of a request that wants an answer.</summary>
    public const string Ask = "_ask";

    /// <summary>The tag of the request a successful answer is for.</summary>
    public const string Answer = "_answer";

    /// <summary>The name of the command a request invokes.</summary>
    public const string Command = "_command";

    /// <summary>The tag of the request an error answer is for.</summary>
    public const string Error = "_error";

    /// <summary>The code of an error answer.</summary>
    public const string ErrorCode = "_error_code";

    /// <summary>The human-readable description of an error answer (UTF-8).</summary>
    public const string ErrorDescription = "_error_description";

    /// <summary>The error code for a failure the command did not declare.</summary>
    public const string UnknownErrorCode = "UNKNOWN";

    /// <summary>The error code for a command the peer has no responder for.</summary>
    public const string UnhandledErrorCode = "UNHANDLED";
}
