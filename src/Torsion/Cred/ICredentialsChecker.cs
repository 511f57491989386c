using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// Decides whether credentials are good and, if so, which avatar id (user) they prove
/// (twisted.cred.checkers.ICredentialsChecker).
/// </summary>
public interface ICredentialsChecker
{
    /// <summary>The credential types (interfaces or classes) this checker can check.</summary>
    IReadOnlyList<Type> CredentialInterfaces { get; }

    /// <summary>
    /// Checks <paramref name="credentials"/>: fires with the avatar id, or fails with
    /// <see cref="UnauthorizedLoginException"/> (or <see cref="UnhandledCredentialsException"/> for a type it cannot check).
    /// </summary>
    Deferred<string> RequestAvatarId(ICredentials credentials);
}
