using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Torsion.Reactor;

namespace Torsion.Web.Server;

/// <summary>
/// Issues HTTP Digest challenges and turns <c>Authorization: Digest</c> headers into <see cref="DigestCredentials"/>
/// (RFC 7616, qop=auth, MD5 and SHA-256; twisted.web.guard.DigestCredentialFactory). Nonces are stateless: a timestamp
/// from the reactor's clock and random bytes, signed with HMAC-SHA-256 under a per-factory key; an expired one is
/// answered with <c>stale=true</c> so that the client retries without asking the user again.
/// </summary>
public sealed class DigestCredentialFactory
{
    /// <summary>How long a nonce is accepted by default: 5 minutes.</summary>
    public static readonly TimeSpan DefaultNonceLifetime = TimeSpan.FromMinutes(5);

    private const int RandomLength = 8;
    private const int MacLength = 16;

    private readonly IReactorTime _time;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <summary>A factory for <paramref name="realm"/> offering <paramref name="algorithms"/> (default: SHA-256, then MD5).</summary>
    public DigestCredentialFactory(IReactorTime time, string realm, TimeSpan? nonceLifetime = null, IReadOnlyList<string>? algorithms = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Realm = realm ?? throw new ArgumentNullException(nameof(realm));
        if (realm.Contains('"', StringComparison.Ordinal) || realm.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException("The realm must not contain quotes or backslashes.", nameof(realm));
        }

        NonceLifetime = nonceLifetime ?? DefaultNonceLifetime;
        if (NonceLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(nonceLifetime), NonceLifetime, "A nonce lifetime is positive.");
        }

        Algorithms = algorithms is null ? ["SHA-256", "MD5"] : [.. algorithms];
        if (Algorithms.Count == 0)
        {
            throw new ArgumentException("Offer at least one algorithm: SHA-256 or MD5.", nameof(algorithms));
        }

        foreach (var algorithm in Algorithms)
        {
            if (!DigestCredentials.IsSupportedAlgorithm(algorithm))
            {
                throw new ArgumentException($"Digest algorithm '{algorithm}' is not supported: use MD5 or SHA-256.", nameof(algorithms));
            }
        }
    }

    /// <summary>The protection space named in the challenge.</summary>
    public string Realm { get; }

    /// <summary>How long a nonce is accepted after it was issued.</summary>
    public TimeSpan NonceLifetime { get; }

    /// <summary>The algorithms offered, most preferred first (one WWW-Authenticate field each, RFC 7616 3.7).</summary>
    public IReadOnlyList<string> Algorithms { get; }

    /// <summary>The WWW-Authenticate values for a 401: one per algorithm, sharing a fresh nonce.</summary>
    public IReadOnlyList<string> GetChallenges(bool stale = false)
    {
        var nonce = NewNonce();
        var staleParameter = stale ? ", stale=true" : "";
        return [.. Algorithms.Select(a => $"Digest realm=\"{Realm}\", qop=\"auth\", algorithm={a}, nonce=\"{nonce}\", charset=UTF-8{staleParameter}")];
    }

    /// <summary>
    /// The credentials of an <c>Authorization: Digest</c> header for a request with <paramref name="method"/> and target
    /// <paramref name="requestUri"/>, or null when there is none, it is malformed, names another realm, target, qop or
    /// algorithm, or its nonce was not issued here or expired (then <paramref name="stale"/> is true).
    /// </summary>
    public DigestCredentials? Decode(string? header, string method, string requestUri, out bool stale)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        stale = false;
        if (header is null || !header.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var fields = ParseParameters(header.AsSpan(7));
        if (fields is null
            || !fields.TryGetValue("username", out var username)
            || !fields.TryGetValue("realm", out var realm)
            || !fields.TryGetValue("nonce", out var nonce)
            || !fields.TryGetValue("uri", out var uri)
            || !fields.TryGetValue("response", out var response)
            || !fields.TryGetValue("qop", out var qop)
            || !fields.TryGetValue("nc", out var nc)
            || !fields.TryGetValue("cnonce", out var cnonce))
        {
            return null;
        }

        var algorithm = fields.GetValueOrDefault("algorithm") ?? "MD5";
        if (realm != Realm || !string.Equals(qop, "auth", StringComparison.OrdinalIgnoreCase) || uri != requestUri
            || fields.ContainsKey("userhash") && string.Equals(fields["userhash"], "true", StringComparison.OrdinalIgnoreCase)
            || !Algorithms.Contains(algorithm, StringComparer.OrdinalIgnoreCase) || nc.Length != 8 || !IsHex(nc))
        {
            return null;
        }

        switch (CheckNonce(nonce))
        {
            case NonceState.Invalid:
                return null;
            case NonceState.Expired:
                stale = true;
                return null;
        }

        return new DigestCredentials(username, realm, algorithm, method, uri, nonce, nc, cnonce, response);
    }

    private string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[8 + RandomLength + MacLength];
        BinaryPrimitives.WriteInt64BigEndian(nonce, (long)(_time.Seconds() * 1000));
        RandomNumberGenerator.Fill(nonce.Slice(8, RandomLength));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, nonce[..(8 + RandomLength)], mac);
        mac[..MacLength].CopyTo(nonce[(8 + RandomLength)..]);
        return Convert.ToBase64String(nonce).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private NonceState CheckNonce(string text)
    {
        byte[] nonce;
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            nonce = Convert.FromBase64String(padded + new string('=', (4 - (padded.Length % 4)) % 4));
        }
        catch (FormatException)
        {
            return NonceState.Invalid;
        }

        if (nonce.Length != 8 + RandomLength + MacLength)
        {
            return NonceState.Invalid;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, nonce.AsSpan(0, 8 + RandomLength), mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], nonce.AsSpan(8 + RandomLength)))
        {
            return NonceState.Invalid;
        }

        var issuedMs = BinaryPrimitives.ReadInt64BigEndian(nonce);
        var ageMs = (_time.Seconds() * 1000) - issuedMs;
        return ageMs < 0 || ageMs > NonceLifetime.TotalMilliseconds ? NonceState.Expired : NonceState.Fresh;
    }

    /// <summary>Parses <c>name=token</c> and <c>name="quoted"</c> pairs separated by commas (RFC 9110 11.2); null when malformed.</summary>
    internal static Dictionary<string, string>? ParseParameters(ReadOnlySpan<char> text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (true)
        {
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t' || text[i] == ','))
            {
                i++;
            }

            if (i == text.Length)
            {
                return fields;
            }

            var nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',' && text[i] != ' ')
            {
                i++;
            }

            var name = text[nameStart..i].ToString();
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            if (name.Length == 0 || i == text.Length || text[i] != '=')
            {
                return null;
            }

            i++;
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new StringBuilder();
                i++;
                while (true)
                {
                    if (i == text.Length)
                    {
                        return null;
                    }

                    var c = text[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i == text.Length)
                        {
                            return null;
                        }

                        c = text[i++];
                    }

                    builder.Append(c);
                }

                value = builder.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && text[i] != ',' && text[i] != ' ' && text[i] != '\t')
                {
                    i++;
                }

                value = text[valueStart..i].ToString();
            }

            if (!fields.TryAdd(name, value))
            {
                return null;
            }
        }
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private enum NonceState
    {
        Fresh,
        Invalid,
        Expired,
    }
}
