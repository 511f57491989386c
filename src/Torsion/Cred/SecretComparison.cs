using System.Security.Cryptography;
using System.Text;

namespace Torsion.Cred;

/// <summary>Constant-time comparisons that also hide the length of the secret.</summary>
internal static class SecretComparison
{
    /// <summary>Compares the UTF-8 bytes of two strings through their SHA-256 so that neither content nor length leaks through timing.</summary>
    public static bool EqualsUtf8(string a, string b)
    {
        Span<byte> ha = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> hb = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(a), ha);
        SHA256.HashData(Encoding.UTF8.GetBytes(b), hb);
        return CryptographicOperations.FixedTimeEquals(ha, hb);
    }

    /// <summary>Compares two byte strings through their SHA-256 in constant time.</summary>
    public static bool EqualsBytes(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Span<byte> ha = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> hb = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(a, ha);
        SHA256.HashData(b, hb);
        return CryptographicOperations.FixedTimeEquals(ha, hb);
    }
}
