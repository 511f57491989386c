using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Torsion.Cred;

/// <summary>
/// A salted PBKDF2-SHA256 password hash in the form <c>$pbkdf2-sha256$ITERATIONS$SALT$HASH</c>
/// (salt and hash in base64), as stored by <see cref="PasswordFile"/>.
/// </summary>
public sealed class PasswordHash
{
    /// <summary>The scheme tag at the start of the string form.</summary>
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>Iterations used for new hashes: 600 000, OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Bytes of random salt in new hashes.</summary>
    public const int SaltSize = 16;

    /// <summary>Bytes of derived key in new hashes (the SHA-256 output size).</summary>
    public const int HashSize = 32;

    private const int MinSaltSize = 8;
    private const int MinHashSize = 16;

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        Iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    /// <summary>The PBKDF2 iteration count.</summary>
    public int Iterations { get; }

    /// <summary>The salt.</summary>
    public ReadOnlySpan<byte> Salt => _salt;

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        return new PasswordHash(iterations, salt, Derive(password, salt, iterations, HashSize));
    }

    /// <summary>Reads the string form, or throws <see cref="FormatException"/> saying which part is wrong.</summary>
    public static PasswordHash Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var hash, out var error) ? hash : throw new FormatException(error);
    }

    /// <summary>Reads the string form; on failure <paramref name="error"/> says which part is wrong.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PasswordHash? hash, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        hash = null;
        var parts = text.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0)
        {
            error = $"expected '$pbkdf2-sha256$ITERATIONS$SALT$HASH', found '{Truncate(text)}'";
            return false;
        }

        if (parts[1] != Scheme)
        {
            error = $"unsupported hash scheme '{Truncate(parts[1])}' (expected '{Scheme}')";
            return false;
        }

        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            error = $"iteration count '{Truncate(parts[2])}' is not a positive whole number";
            return false;
        }

        if (!TryBase64(parts[3], out var salt) || salt.Length < MinSaltSize)
        {
            error = $"salt '{Truncate(parts[3])}' is not base64 of at least {MinSaltSize} bytes";
            return false;
        }

        if (!TryBase64(parts[4], out var derived) || derived.Length < MinHashSize)
        {
            error = $"hash '{Truncate(parts[4])}' is not base64 of at least {MinHashSize} bytes";
            return false;
        }

        hash = new PasswordHash(iterations, salt, derived);
        error = string.Empty;
        return true;
    }

    /// <summary>True when <paramref name="password"/> hashes to this hash (PBKDF2, then a constant-time comparison).</summary>
    /// <remarks>This costs <see cref="Iterations"/> HMAC rounds (about a quarter second at the default): keep it off the reactor thread.</remarks>
    public bool Verify(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var candidate = Derive(password, _salt, Iterations, _hash.Length);
        return CryptographicOperations.FixedTimeEquals(candidate, _hash);
    }

    /// <summary>The string form, <c>$pbkdf2-sha256$ITERATIONS$SALT$HASH</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"${Scheme}${Iterations}${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}");

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            Array.Resize(ref bytes, written);
            return true;
        }

        bytes = [];
        return false;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
