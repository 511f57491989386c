using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// Checks user names and passwords against a <see cref="PasswordFile"/> of PBKDF2-SHA256 hashes
/// (<c>user:$pbkdf2-sha256$ITERATIONS$SALT$HASH</c>; write it with <c>torsion passwd FILE USER</c>).
/// Accepts <see cref="IUsernamePassword"/> only: a hash cannot answer a CRAM-MD5/APOP/Digest
/// challenge, so <see cref="IUsernameHashedPassword"/> credentials are unhandled here.
/// </summary>
/// <remarks>
/// The file is read when the checker is made and again on <see cref="Reload"/>. A check costs one PBKDF2
/// run (about a quarter of a second at 600 000 iterations), also for unknown users so that timing does not
/// tell which users exist.
/// </remarks>
public sealed class PasswordFileChecker : ICredentialsChecker
{
    private static readonly Type[] Accepted = [typeof(IUsernamePassword)];

    private readonly string _path;
    private PasswordFile _file;
    private PasswordHash _decoy;

    /// <summary>A checker reading <paramref name="path"/>.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names the file and line number.</exception>
    public PasswordFileChecker(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        (_file, _decoy) = Read(path);
    }

    /// <summary>The credential types this checker accepts: <see cref="IUsernamePassword"/>.</summary>
    public IReadOnlyList<Type> CredentialInterfaces => Accepted;

    /// <summary>The file read.</summary>
    public string Path => _path;

    /// <summary>Reads the file again; on a bad line the old contents stay in use and the error is thrown.</summary>
    /// <exception cref="CredentialFileFormatException">A line is malformed; the message names the file and line number.</exception>
    public void Reload() => (_file, _decoy) = Read(_path);

    /// <inheritdoc />
    /// <remarks>
    /// The PBKDF2 work runs on the thread pool, not the reactor thread; the Deferred fires back on the
    /// <see cref="SynchronizationContext"/> current at the call (the reactor's), or on the pool thread when there is none.
    /// </remarks>
    public Deferred<string> RequestAvatarId(ICredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not IUsernamePassword)
        {
            return Deferred.Fail<string>(UnhandledCredentialsException.For(credentials.GetType(), Accepted));
        }

        return Deferred.FromTask(Task.Run(() => Check(credentials)));
    }

    /// <summary>Returns the avatar id (the user name) or throws <see cref="UnauthorizedLoginException"/>.</summary>
    internal string Check(ICredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (credentials is not IUsernamePassword plain)
        {
            throw UnhandledCredentialsException.For(credentials.GetType(), Accepted);
        }

        var hash = _file.Find(plain.Username);
        var matches = (hash ?? _decoy).Verify(plain.Password);
        return hash is not null && matches ? plain.Username : throw new UnauthorizedLoginException();
    }

    private static (PasswordFile File, PasswordHash Decoy) Read(string path)
    {
        var file = PasswordFile.Load(path);
        var iterations = file.Entries.Count > 0 ? file.Entries[0].Value.Iterations : PasswordHash.DefaultIterations;
        return (file, PasswordHash.Create(Guid.NewGuid().ToString(), iterations));
    }
}
