namespace Torsion.Cred;

/// <summary>
/// A user name and a response computed from a challenge and the user's secret (CRAM-MD5, APOP,
/// HTTP Digest): the password itself never crosses the wire, so a checker can verify it only by
/// recomputing the response from a stored plaintext-equivalent secret.
/// </summary>
/// <remarks>
/// Only checkers that hold the plain secret accept these: <see cref="InMemoryUsernamePasswordChecker"/> does;
/// <see cref="PasswordFileChecker"/> does not (it stores PBKDF2 hashes, which cannot answer a challenge).
/// </remarks>
public interface IUsernameHashedPassword : ICredentials
{
    /// <summary>The user name as the client sent it.</summary>
    string Username { get; }

    /// <summary>True when the client's response matches the one computed from <paramref name="secret"/>, compared in constant time.</summary>
    bool CheckPassword(string secret);
}
