using System.Security.Cryptography;
using System.Text;
using Torsion.Cred;

namespace Torsion.Web.Server;

/// <summary>
/// HTTP Digest credentials (RFC 7616 3.4.1, qop=auth): the client's response to a nonce, checked by recomputing it from
/// a plaintext-equivalent secret (a checker holding passwords, such as <see cref="InMemoryUsernamePasswordChecker"/>).
/// </summary>
public sealed class DigestCredentials : IUsernameHashedPassword
{
    /// <summary>Credentials from the fields of an <c>Authorization: Digest</c> header and the request method.</summary>
    public DigestCredentials(string username, string realm, string algorithm, string method, string uri, string nonce, string nonceCount, string clientNonce, string response)
    {
        Username = username ?? throw new ArgumentNullException(nameof(username));
        Realm = realm ?? throw new ArgumentNullException(nameof(realm));
        Algorithm = algorithm ?? throw new ArgumentNullException(nameof(algorithm));
        if (!IsSupportedAlgorithm(algorithm))
        {
            throw new ArgumentException($"Digest algorithm '{algorithm}' is not supported: use MD5 or SHA-256.", nameof(algorithm));
        }

        Method = method ?? throw new ArgumentNullException(nameof(method));
        Uri = uri ?? throw new ArgumentNullException(nameof(uri));
        Nonce = nonce ?? throw new ArgumentNullException(nameof(nonce));
        NonceCount = nonceCount ?? throw new ArgumentNullException(nameof(nonceCount));
        ClientNonce = clientNonce ?? throw new ArgumentNullException(nameof(clientNonce));
        Response = response ?? throw new ArgumentNullException(nameof(response));
    }

    /// <inheritdoc />
    public string Username { get; }

    /// <summary>The protection space the client answered for.</summary>
    public string Realm { get; }

    /// <summary>"MD5" or "SHA-256".</summary>
    public string Algorithm { get; }

    /// <summary>The request method (part of A2).</summary>
    public string Method { get; }

    /// <summary>The request target the client named in <c>uri</c>.</summary>
    public string Uri { get; }

    /// <summary>The server nonce.</summary>
    public string Nonce { get; }

    /// <summary>The nonce count (<c>nc</c>), 8 hex digits.</summary>
    public string NonceCount { get; }

    /// <summary>The client nonce (<c>cnonce</c>).</summary>
    public string ClientNonce { get; }

    /// <summary>The hex digest the client sent.</summary>
    public string Response { get; }

    /// <summary>True for the algorithms implemented: MD5 and SHA-256 (case-insensitive).</summary>
    public static bool IsSupportedAlgorithm(string algorithm) =>
        string.Equals(algorithm, "MD5", StringComparison.OrdinalIgnoreCase) || string.Equals(algorithm, "SHA-256", StringComparison.OrdinalIgnoreCase);

    /// <summary>The response (RFC 7616 3.4.1, qop=auth) that a client holding <paramref name="secret"/> sends.</summary>
    public static string ComputeResponse(string algorithm, string username, string realm, string secret, string method, string uri, string nonce, string nonceCount, string clientNonce)
    {
        var ha1 = Hash(algorithm, $"{username}:{realm}:{secret}");
        var ha2 = Hash(algorithm, $"{method}:{uri}");
        return Hash(algorithm, $"{ha1}:{nonce}:{nonceCount}:{clientNonce}:auth:{ha2}");
    }

    /// <inheritdoc />
    public bool CheckPassword(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var expected = Encoding.ASCII.GetBytes(ComputeResponse(Algorithm, Username, Realm, secret, Method, Uri, Nonce, NonceCount, ClientNonce));
        var given = Encoding.ASCII.GetBytes(Response.ToLowerInvariant());

        // FixedTimeEquals leaks only whether the lengths differ, and the length of a digest is public.
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Names the user, never the response.</summary>
    public override string ToString() => $"DigestCredentials({Username}, {Algorithm})";

    private static string Hash(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
#pragma warning disable CA5351 // MD5 is one of the algorithms RFC 7616 defines; clients choose it.
        return string.Equals(algorithm, "MD5", StringComparison.OrdinalIgnoreCase)
            ? Convert.ToHexStringLower(MD5.HashData(bytes))
            : Convert.ToHexStringLower(SHA256.HashData(bytes));
#pragma warning restore CA5351
    }
}
