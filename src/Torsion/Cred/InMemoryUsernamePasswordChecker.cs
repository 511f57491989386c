using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// Checks user names and passwords against ones held in memory in plain text
/// (twisted.cred.checkers.InMemoryUsernamePasswordDatabaseDontUse). Because it holds the plain secret it
/// also accepts challenge credentials (<see cref="IUsernameHashedPassword"/>: CRAM-MD5, APOP, Digest).
/// Meant for tests and examples; servers should store hashes (<see cref="PasswordFileChecker"/>).
/// </summary>
public sealed class InMemoryUsernamePasswordChecker : ICredentialsChecker
{
    private static readonly Type[] Accepted = [typeof(IUsernamePassword), typeof(IUsernameHashedPassword)];

    private readonly Dictionary<string, string> _users = new(StringComparer.Ordinal);

    /// <summary>An empty checker; add users with <see cref="AddUser"/>.</summary>
    public InMemoryUsernamePasswordChecker()
    {
    }

    /// <summary>A checker holding <paramref name="users"/> (user name, password).</summary>
    public InMemoryUsernamePasswordChecker(IEnumerable<KeyValuePair<string, string>> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        foreach (var (user, password) in users)
        {
            AddUser(user, password);
        }
    }

    /// <summary>The credential types this checker accepts: <see cref="IUsernamePassword"/> and <see cref="IUsernameHashedPassword"/>.</summary>
    public IReadOnlyList<Type> CredentialInterfaces => Accepted;

    /// <summary>Adds <paramref name="username"/> with <paramref name="password"/>, replacing any earlier password.</summary>
    public void AddUser(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        _users[username] = password;
    }

    /// <inheritdoc />
    public Deferred<string> RequestAvatarId(ICredentials credentials) => Deferred.MaybeDeferred(() => Check(credentials));

    /// <summary>Returns the avatar id (the user name) or throws <see cref="UnauthorizedLoginException"/>.</summary>
    internal string Check(ICredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        switch (credentials)
        {
            case IUsernamePassword plain:
                {
                    // An unknown user still costs one comparison, so timing does not tell users apart.
                    var found = _users.TryGetValue(plain.Username, out var stored);
                    var matches = plain.CheckPassword(stored ?? string.Empty);
                    return found && matches && plain.Username.Length > 0 ? plain.Username : throw new UnauthorizedLoginException();
                }

            case IUsernameHashedPassword hashed:
                {
                    var found = _users.TryGetValue(hashed.Username, out var stored);
                    var matches = hashed.CheckPassword(stored ?? string.Empty);
                    return found && matches && hashed.Username.Length > 0 ? hashed.Username : throw new UnauthorizedLoginException();
                }

            default:
                throw UnhandledCredentialsException.For(credentials.GetType(), Accepted);
        }
    }
}
