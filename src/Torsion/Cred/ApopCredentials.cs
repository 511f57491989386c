using System.Security.Cryptography;
using System.Text;

namespace Torsion.Cred;

/// <summary>
/// POP3 APOP credentials (RFC 1939 section 7): the client answers the greeting's timestamp with
/// <c>hex(MD5(timestamp + secret))</c>.
/// </summary>
public sealed class ApopCredentials : IUsernameHashedPassword
{
    /// <summary>Credentials from the greeting's timestamp (with its angle brackets) and the client's digest.</summary>
    public ApopCredentials(string username, string timestamp, string digest)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(digest);
        Username = username;
        Timestamp = timestamp;
        Digest = digest;
    }

    /// <inheritdoc />
    public string Username { get; }

    /// <summary>The timestamp of the server's greeting, e.g. <c>&lt;1896.697170952@dbc.mtview.ca.us&gt;</c>.</summary>
    public string Timestamp { get; }

    /// <summary>The hex digest the client sent.</summary>
    public string Digest { get; }

    /// <summary>Computes the digest a client holding <paramref name="secret"/> would send for <paramref name="timestamp"/>.</summary>
    public static string ComputeDigest(string timestamp, string secret)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(secret);
#pragma warning disable CA5351 // MD5 is what RFC 1939 specifies.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret)));
#pragma warning restore CA5351
    }

    /// <inheritdoc />
    public bool CheckPassword(string secret) =>
        SecretComparison.EqualsUtf8(ComputeDigest(Timestamp, secret), Digest.ToLowerInvariant());

    /// <summary>Names the user, never the digest.</summary>
    public override string ToString() => $"ApopCredentials({Username})";
}
