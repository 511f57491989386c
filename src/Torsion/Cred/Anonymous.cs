namespace Torsion.Cred;

/// <summary>No credentials at all: a request to log in anonymously (twisted.cred.credentials.Anonymous).</summary>
public sealed class Anonymous : ICredentials
{
    /// <summary>
    /// The avatar id that <see cref="AllowAnonymousAccess"/> returns: the empty string, which no
    /// checker grants to a user (user names are never empty). Realms test for it to build a guest avatar.
    /// </summary>
    public const string AvatarId = "";

    /// <summary>The one instance; anonymous credentials carry nothing.</summary>
    public static Anonymous Instance { get; } = new();

    private Anonymous()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "Anonymous";
}
