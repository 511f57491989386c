namespace Torsion.Cred;

/// <summary>A user name and plain-text password (twisted.cred.credentials.UsernamePassword).</summary>
public sealed class UsernamePassword : IUsernamePassword
{
    /// <summary>Credentials for <paramref name="username"/> with <paramref name="password"/>.</summary>
    public UsernamePassword(string username, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        Username = username;
        Password = password;
    }

    /// <inheritdoc />
    public string Username { get; }

    /// <inheritdoc />
    public string Password { get; }

    /// <inheritdoc />
    public bool CheckPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return SecretComparison.EqualsUtf8(Password, password);
    }

    /// <summary>Names the user, never the password.</summary>
    public override string ToString() => $"UsernamePassword({Username})";
}
