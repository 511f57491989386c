namespace Torsion.Protocols.Amp;

/// <summary>
/// An error the peer reported in an <c>_error</c> box (Twisted's <c>RemoteAmpError</c>): its <see cref="Code"/> and
/// <see cref="Description"/>. A command's declared errors arrive as the exceptions they map to instead.
/// </summary>
public class AmpRemoteException : AmpException
{
    /// <summary>A remote error with <paramref name="code"/> and <paramref name="description"/>.</summary>
    public AmpRemoteException(string code, string description)
        : base($"Code<{code}>: {description}")
    {
        Code = code;
        Description = description;
    }

    /// <summary>The <c>_error_code</c> (bytes, shown one char per byte).</summary>
    public string Code { get; }

    /// <summary>The <c>_error_description</c>, decoded as UTF-8.</summary>
    public string Description { get; }
}
