namespace Torsion.Protocols.Amp;

/// <summary>
/// A key or value that does not fit AMP's 16-bit framing (Twisted's <c>TooLong</c>): keys are 1 to
/// <see cref="AmpBox.MaxKeyLength"/> bytes, values at most <see cref="AmpBox.MaxValueLength"/> bytes.
/// </summary>
public sealed class AmpTooLongException : AmpException
{
    /// <summary>Describes a key (<paramref name="isKey"/>) or the value of <paramref name="keyName"/> of <paramref name="length"/> bytes.</summary>
    public AmpTooLongException(bool isKey, bool isLocal, int length, string? keyName)
        : base(Describe(isKey, isLocal, length, keyName))
    {
        IsKey = isKey;
        IsLocal = isLocal;
        Length = length;
        KeyName = keyName;
    }

    /// <summary>True if a key was too long, false if a value was.</summary>
    public bool IsKey { get; }

    /// <summary>True if it was being encoded here, false if it came from the peer.</summary>
    public bool IsLocal { get; }

    /// <summary>The length in bytes that was refused.</summary>
    public int Length { get; }

    /// <summary>For a value: the key it was for.</summary>
    public string? KeyName { get; }

    private static string Describe(bool isKey, bool isLocal, int length, string? keyName)
    {
        var where = isLocal ? "local" : "remote";
        return isKey
            ? $"AMP {where} key too long: {length} bytes (keys are 1 to {AmpBox.MaxKeyLength} bytes)."
            : $"AMP {where} value for key '{keyName}' too long: {length} bytes (values are at most {AmpBox.MaxValueLength} bytes).";
    }
}
