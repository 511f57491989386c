namespace Torsion.Cred;

/// <summary>A line of a password file or authorized_keys file could not be read; the message names the file and line.</summary>
public sealed class CredentialFileFormatException : FormatException
{
    /// <summary>An error with the default message.</summary>
    public CredentialFileFormatException()
        : base("A credential file has a bad line.")
    {
    }

    /// <summary>An error with <paramref name="message"/>.</summary>
    public CredentialFileFormatException(string message)
        : base(message)
    {
    }

    /// <summary>An error with <paramref name="message"/> caused by <paramref name="innerException"/>.</summary>
    public CredentialFileFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An error for line <paramref name="lineNumber"/> (1-based) of <paramref name="path"/>: <c>"path:3: reason"</c>.</summary>
    public CredentialFileFormatException(string path, int lineNumber, string reason)
        : base($"{path}:{lineNumber}: {reason}")
    {
        Path = path;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The file (or the name given for text parsed from memory).</summary>
    public string? Path { get; }

    /// <summary>The 1-based line number, or 0 when not about one line.</summary>
    public int LineNumber { get; }

    /// <summary>What was wrong with the line.</summary>
    public string? Reason { get; }
}
