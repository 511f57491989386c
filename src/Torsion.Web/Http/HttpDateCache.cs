namespace Torsion.Web.Http;

/// <summary>The Date header value (RFC 9110 section 5.6.7), formatted once per second; safe to share between reactors.</summary>
internal sealed class HttpDateCache(TimeProvider clock)
{
    private Entry? _entry;

    public ReadOnlySpan<byte> Value
    {
        get
        {
            var now = clock.GetUtcNow();
            var second = now.ToUnixTimeSeconds();
            var entry = Volatile.Read(ref _entry);
            if (entry is null || entry.Second != second)
            {
                entry = new Entry(second, System.Text.Encoding.ASCII.GetBytes(now.ToString("r", System.Globalization.CultureInfo.InvariantCulture)));
                Volatile.Write(ref _entry, entry);
            }

            return entry.Bytes;
        }
    }

    private sealed record Entry(long Second, byte[] Bytes);
}
