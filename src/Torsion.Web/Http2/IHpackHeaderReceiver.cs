namespace Torsion.Web.Http2;

/// <summary>Receives the header fields an <see cref="HpackDecoder"/> decodes, in order.</summary>
public interface IHpackHeaderReceiver
{
    /// <summary>One header field; both spans are valid only during the call.</summary>
    void HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
