namespace Torsion.Protocols.Amp;

/// <summary>The peer has no responder for the command (error code <c>UNHANDLED</c>; Twisted's <c>UnhandledCommand</c>).</summary>
public sealed class UnhandledCommandException : AmpRemoteException
{
    /// <summary>An unhandled-command error with the peer's <paramref name="description"/>.</summary>
    public UnhandledCommandException(string description)
        : base(AmpBoxKeys.UnhandledErrorCode, description)
    {
    }
}
