namespace Torsion.Cred;

/// <summary>What a successful <see cref="Portal.Login"/> gives: the interface chosen, the avatar, and the logout action.</summary>
/// <param name="Interface">Which of the requested interfaces <paramref name="Avatar"/> was built for.</param>
/// <param name="Avatar">The object the protocol talks to on the user's behalf.</param>
/// <param name="Logout">Call once when the session ends (connection lost, QUIT...).</param>
public sealed record LoginResult(Type Interface, object Avatar, Action Logout)
{
    /// <summary>The avatar as <typeparamref name="TAvatar"/>.</summary>
    /// <exception cref="InvalidCastException">The avatar does not implement <typeparamref name="TAvatar"/>.</exception>
    public TAvatar AvatarAs<TAvatar>() => Avatar is TAvatar typed
        ? typed
        : throw new InvalidCastException($"The avatar is a {Avatar.GetType().Name}, not a {typeof(TAvatar).Name}.");
}
