using System.Security.Cryptography;
using System.Text;

namespace Torsion.Cred;

/// <summary>
/// CRAM-MD5 credentials (RFC 2195): the client answers a challenge with
/// <c>hex(HMAC-MD5(secret, challenge))</c>. Used by SMTP, IMAP4 and POP3 AUTH CRAM-MD5.
/// </summary>
public sealed class CramMd5Credentials : IUsernameHashedPassword
{
    private readonly byte[] _challenge;

    /// <summary>Credentials from the challenge the server sent and the client's answer (user name and lower-case hex digest).</summary>
    public CramMd5Credentials(string username, ReadOnlySpan<byte> challenge, string response)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(response);
        Username = username;
        _challenge = challenge.ToArray();
        Response = response;
    }

    /// <inheritdoc />
    public string Username { get; }

    /// <summary>The hex digest the client sent.</summary>
    public string Response { get; }

    /// <summary>The challenge the server sent.</summary>
    public ReadOnlySpan<byte> Challenge => _challenge;

    /// <summary>Computes the response a client holding <paramref name="secret"/> would send to <paramref name="challenge"/>.</summary>
    public static string ComputeResponse(string secret, ReadOnlySpan<byte> challenge)
    {
        ArgumentNullException.ThrowIfNull(secret);
#pragma warning disable CA5351 // MD5 is what RFC 2195 specifies; this is the protocol, not our choice.
        return Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(secret), challenge));
#pragma warning restore CA5351
    }

    /// <inheritdoc />
    public bool CheckPassword(string secret) =>
        SecretComparison.EqualsUtf8(ComputeResponse(secret, _challenge), Response.ToLowerInvariant());

    /// <summary>Names the user, never the response.</summary>
    public override string ToString() => $"CramMd5Credentials({Username})";
}
