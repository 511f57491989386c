namespace Torsion.Protocols.Amp;

/// <summary>
/// Bytes that are not a valid AMP box stream, or a box over a limit (Twisted's <c>MalformedAmpBox</c> and the remote
/// <c>TooLong</c>). The connection that sent them is closed.
/// </summary>
public sealed class AmpBoxParseException : AmpException
{
    /// <summary>A parse error saying <paramref name="message"/>.</summary>
    public AmpBoxParseException(string message)
        : base(message)
    {
    }

    /// <summary>A parse error saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public AmpBoxParseException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
