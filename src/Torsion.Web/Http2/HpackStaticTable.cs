namespace Torsion.Web.Http2;

/// <summary>The static table of HPACK (RFC 7541 Appendix A): 61 entries, index 1 to 61.</summary>
internal static class HpackStaticTable
{
    /// <summary>The number of entries.</summary>
    public const int Count = 61;

    private static readonly HpackEntry[] Entries =
    [
        new(":authority"u8.ToArray(), ""u8.ToArray()),
        new(":method"u8.ToArray(), "GET"u8.ToArray()),
        new(":method"u8.ToArray(), "POST"u8.ToArray()),
        new(":path"u8.ToArray(), "/"u8.ToArray()),
        new(":path"u8.ToArray(), "/index.html"u8.ToArray()),
        new(":scheme"u8.ToArray(), "http"u8.ToArray()),
        new(":scheme"u8.ToArray(), "https"u8.ToArray()),
        new(":status"u8.ToArray(), "200"u8.ToArray()),
        new(":status"u8.ToArray(), "204"u8.ToArray()),
        new(":status"u8.ToArray(), "206"u8.ToArray()),
        new(":status"u8.ToArray(), "304"u8.ToArray()),
        new(":status"u8.ToArray(), "400"u8.ToArray()),
        new(":status"u8.ToArray(), "404"u8.ToArray()),
        new(":status"u8.ToArray(), "500"u8.ToArray()),
        new("accept-charset"u8.ToArray(), ""u8.ToArray()),
        new("accept-encoding"u8.ToArray(), "gzip, deflate"u8.ToArray()),
        new("accept-language"u8.ToArray(), ""u8.ToArray()),
        new("accept-ranges"u8.ToArray(), ""u8.ToArray()),
        new("accept"u8.ToArray(), ""u8.ToArray()),
        new("access-control-allow-origin"u8.ToArray(), ""u8.ToArray()),
        new("age"u8.ToArray(), ""u8.ToArray()),
        new("allow"u8.ToArray(), ""u8.ToArray()),
        new("authorization"u8.ToArray(), ""u8.ToArray()),
        new("cache-control"u8.ToArray(), ""u8.ToArray()),
        new("content-disposition"u8.ToArray(), ""u8.ToArray()),
        new("content-encoding"u8.ToArray(), ""u8.ToArray()),
        new("content-language"u8.ToArray(), ""u8.ToArray()),
        new("content-length"u8.ToArray(), ""u8.ToArray()),
        new("content-location"u8.ToArray(), ""u8.ToArray()),
        new("content-range"u8.ToArray(), ""u8.ToArray()),
        new("content-type"u8.ToArray(), ""u8.ToArray()),
        new("cookie"u8.ToArray(), ""u8.ToArray()),
        new("date"u8.ToArray(), ""u8.ToArray()),
        new("etag"u8.ToArray(), ""u8.ToArray()),
        new("expect"u8.ToArray(), ""u8.ToArray()),
        new("expires"u8.ToArray(), ""u8.ToArray()),
        new("from"u8.ToArray(), ""u8.ToArray()),
        new("host"u8.ToArray(), ""u8.ToArray()),
        new("if-match"u8.ToArray(), ""u8.ToArray()),
        new("if-modified-since"u8.ToArray(), ""u8.ToArray()),
        new("if-none-match"u8.ToArray(), ""u8.ToArray()),
        new("if-range"u8.ToArray(), ""u8.ToArray()),
        new("if-unmodified-since"u8.ToArray(), ""u8.ToArray()),
        new("last-modified"u8.ToArray(), ""u8.ToArray()),
        new("link"u8.ToArray(), ""u8.ToArray()),
        new("location"u8.ToArray(), ""u8.ToArray()),
        new("max-forwards"u8.ToArray(), ""u8.ToArray()),
        new("proxy-authenticate"u8.ToArray(), ""u8.ToArray()),
        new("proxy-authorization"u8.ToArray(), ""u8.ToArray()),
        new("range"u8.ToArray(), ""u8.ToArray()),
        new("referer"u8.ToArray(), ""u8.ToArray()),
        new("refresh"u8.ToArray(), ""u8.ToArray()),
        new("retry-after"u8.ToArray(), ""u8.ToArray()),
        new("server"u8.ToArray(), ""u8.ToArray()),
        new("set-cookie"u8.ToArray(), ""u8.ToArray()),
        new("strict-transport-security"u8.ToArray(), ""u8.ToArray()),
        new("transfer-encoding"u8.ToArray(), ""u8.ToArray()),
        new("user-agent"u8.ToArray(), ""u8.ToArray()),
        new("vary"u8.ToArray(), ""u8.ToArray()),
        new("via"u8.ToArray(), ""u8.ToArray()),
        new("www-authenticate"u8.ToArray(), ""u8.ToArray()),
    ];

    /// <summary>The entry at a 1-based index.</summary>
    public static HpackEntry Get(int index) => Entries[index - 1];

    /// <summary>Finds the best index for a field: both name and value (exact) or the name only; 0 when absent.</summary>
    public static int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out bool exact)
    {
        exact = false;
        var nameIndex = 0;
        for (var i = 0; i < Entries.Length; i++)
        {
            if (name.SequenceEqual(Entries[i].Name))
            {
                if (value.SequenceEqual(Entries[i].Value))
                {
                    exact = true;
                    return i + 1;
                }

                if (nameIndex == 0)
                {
                    nameIndex = i + 1;
                }
            }
        }

        return nameIndex;
    }
}
