using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// Checks SSH public keys against each user's OpenSSH <c>authorized_keys</c>
/// (twisted.conch.checkers.SSHPublicKeyChecker with UNIXAuthorizedKeysFiles).
/// Accepts <see cref="SshPublicKeyCredentials"/>: the offered key blob must equal an authorized one.
/// </summary>
/// <remarks>
/// It does not verify the signature: the SSH layer does, over the session data, before it calls the portal.
/// For a key offered without a signature (the "would this key do?" query) it fails with
/// <see cref="ValidPublicKeyException"/> when the key is authorized. Key options (<c>from=</c>, <c>command=</c>...) are not enforced yet.
/// </remarks>
public sealed class AuthorizedKeysChecker : ICredentialsChecker
{
    private static readonly Type[] Accepted = [typeof(SshPublicKeyCredentials)];

    private readonly Func<string, IEnumerable<AuthorizedKey>> _keysFor;

    /// <summary>A checker that asks <paramref name="keysFor"/> for the authorized keys of a user name (none: an empty sequence).</summary>
    public AuthorizedKeysChecker(Func<string, IEnumerable<AuthorizedKey>> keysFor)
    {
        ArgumentNullException.ThrowIfNull(keysFor);
        _keysFor = keysFor;
    }

    /// <summary>
    /// A checker that reads, at each attempt, the authorized_keys file that <paramref name="pathFor"/> names for
    /// a user (for example <c>user =&gt; $"/home/{user}/.ssh/authorized_keys"</c>); null or a missing file means no keys.
    /// User names with a path separator, <c>..</c> or a control character are refused before the function is called.
    /// </summary>
    public static AuthorizedKeysChecker FromFiles(Func<string, string?> pathFor)
    {
        ArgumentNullException.ThrowIfNull(pathFor);
        return new AuthorizedKeysChecker(user =>
        {
            if (user.Length == 0 || user.Contains('/') || user.Contains('\\') || user.Contains("..", StringComparison.Ordinal) || user.Any(char.IsControl))
            {
                return [];
            }

            var path = pathFor(user);
            return path is not null && File.Exists(path) ? AuthorizedKey.LoadFile(path) : [];
        });
    }

    /// <summary>The credential types this checker accepts: <see cref="SshPublicKeyCredentials"/>.</summary>
    public IReadOnlyList<Type> CredentialInterfaces => Accepted;

    /// <inheritdoc />
    public Deferred<string> RequestAvatarId(ICredentials credentials) => Deferred.MaybeDeferred(() => Check(credentials));

    /// <summary>Returns the avatar id (the user name) or throws <see cref="UnauthorizedLoginException"/>/<see cref="ValidPublicKeyException"/>.</summary>
    internal string Check(ICredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not SshPublicKeyCredentials key)
        {
            throw UnhandledCredentialsException.For(credentials.GetType(), Accepted);
        }

        var authorized = false;
        foreach (var candidate in _keysFor(key.Username))
        {
            // Keys are public, but compare in constant time anyway: it costs nothing here.
            authorized |= SecretComparison.EqualsBytes(candidate.Blob.Span, key.Blob.Span);
        }

        if (!authorized || key.Username.Length == 0)
        {
            throw new UnauthorizedLoginException();
        }

        return key.Signature is null ? throw new ValidPublicKeyException() : key.Username;
    }
}
