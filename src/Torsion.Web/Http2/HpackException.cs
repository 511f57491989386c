namespace Torsion.Web.Http2;

/// <summary>A header block could not be decoded (RFC 7541): an HTTP/2 connection error of type COMPRESSION_ERROR.</summary>
public sealed class HpackException : Exception
{
    /// <summary>Makes the exception.</summary>
    public HpackException(string message)
        : base(message)
    {
    }

    /// <summary>Makes the exception with an inner one.</summary>
    public HpackException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Whether the block was refused for exceeding the header list size limit (an HPACK bomb, or simply too large).</summary>
    public bool HeaderListTooLarge { get; init; }

    /// <summary>Makes the exception.</summary>
    public HpackException()
        : base("The header block could not be decoded.")
    {
    }
}
