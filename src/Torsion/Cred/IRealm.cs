using Torsion.Defer;

namespace Torsion.Cred;

/// <summary>
/// Turns an authenticated avatar id into the object the protocol talks to: a mailbox, a shell, a user
/// session (twisted.cred.portal.IRealm).
/// </summary>
public interface IRealm
{
    /// <summary>
    /// Builds the avatar for <paramref name="avatarId"/> (<see cref="Anonymous.AvatarId"/> for an anonymous login),
    /// implementing the first of <paramref name="interfaces"/> it can, with a logout action the protocol calls when done.
    /// <paramref name="mind"/> is whatever the protocol passed to <see cref="Portal.Login"/> (often a client callback object, or null).
    /// </summary>
    Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces);
}
