namespace Torsion.Web.Http;

/// <summary>Where one header field sits in the head buffer.</summary>
internal struct HttpHeaderField
{
    public int NameStart;
    public int NameLength;
    public int ValueStart;
    public int ValueLength;
    public KnownHeader Known;
}
