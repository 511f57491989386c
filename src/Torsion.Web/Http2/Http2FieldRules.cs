using System.Text;

namespace Torsion.Web.Http2;

/// <summary>The checks RFC 9113 section 8.2 puts on a regular (non-pseudo) field, shared by requests and responses.</summary>
internal static class Http2FieldRules
{
    /// <summary>
    /// Why the field is malformed, or null when it is not: a name that is not a lowercase token, a value holding NUL,
    /// CR or LF, a connection-specific field. With <paramref name="request"/> (the server's stricter reading) also a
    /// value starting or ending with whitespace and a TE other than "trailers".
    /// </summary>
    public static string? Malformed(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool request)
    {
        foreach (var b in name)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' || b <= 0x20 || b >= 0x7F || b == (byte)':')
            {
                return $"The field name '{Encoding.Latin1.GetString(name)}' is not a lowercase token.";
            }
        }

        foreach (var b in value)
        {
            if (b is 0 or (byte)'\r' or (byte)'\n')
            {
                return $"The value of '{Encoding.Latin1.GetString(name)}' contains NUL, CR or LF.";
            }
        }

        if (request && !value.IsEmpty && (value[0] is (byte)' ' or (byte)'\t' || value[^1] is (byte)' ' or (byte)'\t'))
        {
            return $"The value of '{Encoding.Latin1.GetString(name)}' starts or ends with whitespace.";
        }

        if (name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8) || name.SequenceEqual("proxy-connection"u8)
            || name.SequenceEqual("transfer-encoding"u8) || name.SequenceEqual("upgrade"u8)
            || (request && name.SequenceEqual("te"u8) && !value.SequenceEqual("trailers"u8)))
        {
            return $"The connection-specific field '{Encoding.Latin1.GetString(name)}' is not allowed in HTTP/2.";
        }

        return null;
    }
}
