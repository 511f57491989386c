namespace Torsion.Web.Http2;

/// <summary>One header field of an HPACK table.</summary>
internal readonly record struct HpackEntry(byte[] Name, byte[] Value)
{
    /// <summary>The size of the entry as RFC 7541 section 4.1 counts it (name, value, 32 bytes of overhead).</summary>
    public int Size => Name.Length + Value.Length + 32;
}
