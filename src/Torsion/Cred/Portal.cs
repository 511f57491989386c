using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// The door between a protocol and the application (twisted.cred.portal.Portal): it hands the credentials to the
/// checker that accepts their type, then asks the realm for the avatar of the id the checker proved.
/// </summary>
/// <example>
/// <code>
/// var portal = new Portal(new MailRealm(), [new PasswordFileChecker("/etc/torsion/passwords")]);
/// portal.Login(new UsernamePassword(user, pass), null, typeof(IMailbox))
///       .AddCallback(result => { mailbox = result.AvatarAs&lt;IMailbox&gt;(); logout = result.Logout; });
/// </code>
/// </example>
public sealed class Portal
{
    private readonly List<(Type Interface, ICredentialsChecker Checker)> _checkers = [];

    /// <summary>A portal to <paramref name="realm"/> with <paramref name="checkers"/>, each registered for its <see cref="ICredentialsChecker.CredentialInterfaces"/>.</summary>
    public Portal(IRealm realm, IEnumerable<ICredentialsChecker>? checkers = null)
    {
        ArgumentNullException.ThrowIfNull(realm);
        Realm = realm;
        foreach (var checker in checkers ?? [])
        {
            RegisterChecker(checker);
        }
    }

    /// <summary>The realm avatars come from.</summary>
    public IRealm Realm { get; }

    /// <summary>The credential types some registered checker accepts, in registration order.</summary>
    public IReadOnlyList<Type> CredentialInterfaces => [.. _checkers.Select(c => c.Interface).Distinct()];

    /// <summary>
    /// Registers <paramref name="checker"/> for <paramref name="credentialInterfaces"/> (default: its own
    /// <see cref="ICredentialsChecker.CredentialInterfaces"/>). The first checker registered for a type is used.
    /// </summary>
    public void RegisterChecker(ICredentialsChecker checker, params Type[] credentialInterfaces)
    {
        ArgumentNullException.ThrowIfNull(checker);
        ArgumentNullException.ThrowIfNull(credentialInterfaces);
        var types = credentialInterfaces.Length > 0 ? credentialInterfaces : checker.CredentialInterfaces;
        foreach (var type in types)
        {
            if (!typeof(ICredentials).IsAssignableFrom(type))
            {
                throw new ArgumentException($"{type.Name} is not an ICredentials type.", nameof(credentialInterfaces));
            }

            _checkers.Add((type, checker));
        }
    }

    /// <summary>
    /// Logs in: fires with the avatar for the first of <paramref name="interfaces"/> the realm supports, or fails with
    /// <see cref="UnauthorizedLoginException"/> (bad credentials) or <see cref="UnhandledCredentialsException"/>
    /// (no checker for this credential type).
    /// </summary>
    public Deferred<LoginResult> Login(ICredentials credentials, object? mind, params Type[] interfaces)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(interfaces);
        if (interfaces.Length == 0)
        {
            throw new ArgumentException("Name at least one avatar interface.", nameof(interfaces));
        }

        var type = credentials.GetType();
        foreach (var (accepted, checker) in _checkers)
        {
            if (accepted.IsAssignableFrom(type))
            {
                IReadOnlyList<Type> requested = [.. interfaces];
                return Deferred.MaybeDeferred(() => checker.RequestAvatarId(credentials))
                    .AddCallback(avatarId => Realm.RequestAvatar(avatarId, mind, requested))
                    .AddCallback(result => Validate(result, requested));
            }
        }

        return Deferred.Fail<LoginResult>(UnhandledCredentialsException.For(type, CredentialInterfaces));
    }

    private LoginResult Validate(LoginResult result, IReadOnlyList<Type> requested)
    {
        if (result is null)
        {
            throw new InvalidOperationException($"{Realm.GetType().Name}.RequestAvatar gave no result.");
        }

        if (!requested.Contains(result.Interface))
        {
            throw new InvalidOperationException(
                $"{Realm.GetType().Name}.RequestAvatar answered with {result.Interface.Name}, which was not asked for ({string.Join(", ", requested.Select(t => t.Name))}).");
        }

        if (!result.Interface.IsInstanceOfType(result.Avatar))
        {
            throw new InvalidOperationException(
                $"{Realm.GetType().Name}.RequestAvatar gave a {result.Avatar.GetType().Name} for {result.Interface.Name}, which it does not implement.");
        }

        return result;
    }
}
