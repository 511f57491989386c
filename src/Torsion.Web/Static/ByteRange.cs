namespace Torsion.Web.Static;

/// <summary>One satisfiable byte range of a representation (RFC 9110 section 14.1.2): first and last byte, inclusive.</summary>
internal readonly record struct ByteRange(long First, long Last)
{
    public long Length => Last - First + 1;

    /// <summary>
    /// Parses a Range header against a representation of <paramref name="length"/> bytes. Null: ignore the header
    /// (not bytes, bad syntax, too many ranges) and send the whole; empty: none satisfiable (416).
    /// </summary>
    public static List<ByteRange>? Parse(string header, long length, int maxRanges = 16)
    {
        var value = header.Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var ranges = new List<ByteRange>();
        var specs = value[6..].Split(',');
        if (specs.Length > maxRanges)
        {
            return null;
        }

        foreach (var raw in specs)
        {
            var spec = raw.Trim();
            var dash = spec.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                return null;
            }

            var firstText = spec[..dash].Trim();
            var lastText = spec[(dash + 1)..].Trim();
            if (firstText.Length == 0)
            {
                if (!TryDigits(lastText, out var suffix))
                {
                    return null;
                }

                if (suffix > 0 && length > 0)
                {
                    ranges.Add(new ByteRange(Math.Max(0, length - suffix), length - 1));
                }

                continue;
            }

            if (!TryDigits(firstText, out var first))
            {
                return null;
            }

            long last;
            if (lastText.Length == 0)
            {
                last = length - 1;
            }
            else if (!TryDigits(lastText, out last) || last < first)
            {
                return null;
            }

            if (first < length)
            {
                ranges.Add(new ByteRange(first, Math.Min(last, length - 1)));
            }
        }

        return ranges;
    }

    private static bool TryDigits(string text, out long value)
    {
        value = 0;
        if (text.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
