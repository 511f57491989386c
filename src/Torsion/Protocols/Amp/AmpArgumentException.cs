namespace Torsion.Protocols.Amp;

/// <summary>
/// A box does not match a command's schema: a required key is missing or a value does not decode (Twisted's
/// <c>InvalidSignature</c> and the errors of <c>fromString</c>). The message names the key.
/// </summary>
public sealed class AmpArgumentException : AmpException
{
    /// <summary>A schema error saying <paramref name="message"/>.</summary>
    public AmpArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>A schema error saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public AmpArgumentException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
