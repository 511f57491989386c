namespace Torsion.Protocols;

/// <summary>A received line or length-prefixed message is longer than the framing's <c>MaxLength</c>.</summary>
public sealed class LengthLimitExceededException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public LengthLimitExceededException() : base("A received message is longer than the framing allows.") { }

    /// <summary>Creates the exception with a message.</summary>
    public LengthLimitExceededException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public LengthLimitExceededException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for a message of <paramref name="length"/> bytes over <paramref name="limit"/>.</summary>
    public LengthLimitExceededException(string what, long length, long limit)
        : base($"{what} of {length} bytes exceeds MaxLength {limit}; the connection is closed.")
    {
        Length = length;
        Limit = limit;
    }

    /// <summary>The length received (for a line without its delimiter yet: the bytes buffered so far).</summary>
    public long Length { get; }

    /// <summary>The limit in force.</summary>
    public long Limit { get; }
}
