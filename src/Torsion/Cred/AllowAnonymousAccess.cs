using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>Lets anyone in as <see cref="Anonymous.AvatarId"/> when they present <see cref="Anonymous"/> (twisted.cred.checkers.AllowAnonymousAccess).</summary>
public sealed class AllowAnonymousAccess : ICredentialsChecker
{
    private static readonly Type[] Accepted = [typeof(Anonymous)];

    /// <summary>The credential types this checker accepts: <see cref="Anonymous"/>.</summary>
    public IReadOnlyList<Type> CredentialInterfaces => Accepted;

    /// <inheritdoc />
    public Deferred<string> RequestAvatarId(ICredentials credentials) => Deferred.MaybeDeferred(() => Check(credentials));

    /// <summary>Returns <see cref="Anonymous.AvatarId"/> for anonymous credentials.</summary>
    internal string Check(ICredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return credentials is Anonymous ? Anonymous.AvatarId : throw UnhandledCredentialsException.For(credentials.GetType(), Accepted);
    }
}
