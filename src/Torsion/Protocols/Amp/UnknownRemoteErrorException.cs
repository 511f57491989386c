namespace Torsion.Protocols.Amp;

/// <summary>
/// The peer failed with an error the command does not declare (Twisted's <c>UnknownRemoteError</c>): usually code
/// <c>UNKNOWN</c>, sent when a responder throws an undeclared exception.
/// </summary>
public sealed class UnknownRemoteErrorException : AmpRemoteException
{
    /// <summary>An unknown remote error with <paramref name="code"/> and <paramref name="description"/>.</summary>
    public UnknownRemoteErrorException(string code, string description)
        : base(code, description)
    {
    }
}
