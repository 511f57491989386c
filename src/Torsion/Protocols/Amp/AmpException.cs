namespace Torsion.Protocols.Amp;

/// <summary>The base of AMP's errors (Twisted's <c>AmpError</c>).</summary>
public class AmpException : Exception
{
    /// <summary>An AMP error with a default message.</summary>
    public AmpException()
        : base("AMP error.")
    {
    }

    /// <summary>An AMP error saying <paramref name="message"/>.</summary>
    public AmpException(string message)
        : base(message)
    {
    }

    /// <summary>An AMP error saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public AmpException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
