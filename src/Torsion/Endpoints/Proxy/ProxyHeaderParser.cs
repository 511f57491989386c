using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Torsion.Endpoints.Proxy;

/// <summary>
/// Parses the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) from the first bytes of a
/// connection. Pure: bytes in, a <see cref="ProxyHeader"/> or an exception out; no I/O.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>The longest v1 header, CRLF included (spec §2.1).</summary>
    public const int MaxV1Length = 107;

    /// <summary>The fixed part of a v2 header: signature, version/command, family/protocol, length.</summary>
    public const int V2FixedLength = 16;

    /// <summary>The default bound on a whole v2 header (addresses and TLVs): larger headers are refused.</summary>
    public const int DefaultMaxV2Length = 4096;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/>: true with the header when it is complete, false
    /// when more bytes are needed (everything so far is a valid beginning).
    /// </summary>
    /// <exception cref="ProxyHeaderException">The bytes cannot start a valid header (the message says why).</exception>
    public static bool TryParse(ReadOnlySpan<byte> data, out ProxyHeader? header, int maxV2Length = DefaultMaxV2Length)
    {
        header = null;
        if (data.IsEmpty)
        {
            return false;
        }

        if (data[0] == V1Signature[0])
        {
            var n = Math.Min(data.Length, V1Signature.Length);
            if (!data[..n].SequenceEqual(V1Signature[..n]))
            {
                throw new ProxyHeaderException($"Bad PROXY signature: the connection starts with '{Printable(data[..n])}', not 'PROXY ' (v1) or the v2 signature.");
            }

            return n == V1Signature.Length && TryParseV1(data, out header);
        }

        if (data[0] == V2Signature[0])
        {
            var n = Math.Min(data.Length, V2Signature.Length);
            if (!data[..n].SequenceEqual(V2Signature[..n]))
            {
                throw new ProxyHeaderException($"Bad PROXY signature: the first {n} bytes ({Convert.ToHexString(data[..n])}) are not the v2 signature 0D0A0D0A000D0A515549540A.");
            }

            return n == V2Signature.Length && TryParseV2(data, maxV2Length, out header);
        }

        throw new ProxyHeaderException($"Bad PROXY signature: the connection starts with byte 0x{data[0]:X2}, not 'PROXY ' (v1) or the v2 signature.");
    }

    private static bool TryParseV1(ReadOnlySpan<byte> data, out ProxyHeader? header)
    {
        header = null;
        var window = data[..Math.Min(data.Length, MaxV1Length)];
        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (data.Length >= MaxV1Length)
            {
                throw new ProxyHeaderException($"PROXY v1 header too long: no CRLF within {MaxV1Length} bytes.");
            }

            return false;
        }

        if (lf == 0 || window[lf - 1] != (byte)'\r')
        {
            throw new ProxyHeaderException("PROXY v1 header does not end with CRLF (a bare LF was found).");
        }

        var line = window[V1Signature.Length..(lf - 1)];
        foreach (var b in line)
        {
            if (b is < 0x20 or > 0x7E)
            {
                throw new ProxyHeaderException($"PROXY v1 header contains the byte 0x{b:X2}, which is not printable ASCII.");
            }
        }

        var fields = Encoding.ASCII.GetString(line).Split(' ');
        var length = lf + 1;
        switch (fields[0])
        {
            case "UNKNOWN":
                header = new ProxyHeader(1, false, null, null, length);
                return true;
            case "TCP4":
            case "TCP6":
                break;
            default:
                throw new ProxyHeaderException($"PROXY v1 header has the bad family '{fields[0]}' (expected TCP4, TCP6 or UNKNOWN).");
        }

        if (fields.Length != 5)
        {
            throw new ProxyHeaderException($"PROXY v1 header '{Encoding.ASCII.GetString(line)}' must have 4 fields after {fields[0]} (source, destination, source port, destination port), separated by single spaces; it has {fields.Length - 1}.");
        }

        var family = fields[0] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var source = ParseV1Address(fields[1], family, "source");
        var destination = ParseV1Address(fields[2], family, "destination");
        var sourcePort = ParseV1Port(fields[3], "source");
        var destinationPort = ParseV1Port(fields[4], "destination");
        header = new ProxyHeader(1, false, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), length);
        return true;
    }

    private static IPAddress ParseV1Address(string text, AddressFamily family, string which)
    {
        var valid = IPAddress.TryParse(text, out var address) && address.AddressFamily == family
            && (family == AddressFamily.InterNetworkV6 ? !text.Contains('%', StringComparison.Ordinal) : text.Count(c => c == '.') == 3 && text.All(c => c == '.' || char.IsAsciiDigit(c)));
        if (!valid)
        {
            throw new ProxyHeaderException($"PROXY v1 header has the bad {which} address '{text}' (expected an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} literal).");
        }

        return address!;
    }

    private static int ParseV1Port(string text, string which)
    {
        if (text.Length is 0 or > 5 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0') || int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) > 65535)
        {
            throw new ProxyHeaderException($"PROXY v1 header has the bad {which} port '{text}' (expected a decimal number from 0 to 65535 without leading zeros).");
        }

        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool TryParseV2(ReadOnlySpan<byte> data, int maxLength, out ProxyHeader? header)
    {
        header = null;
        if (data.Length < V2FixedLength)
        {
            return false;
        }

        var version = data[12] >> 4;
        var command = data[12] & 0x0F;
        if (version != 2)
        {
            throw new ProxyHeaderException($"PROXY v2 header has the bad version {version} (expected 2).");
        }

        if (command > 1)
        {
            throw new ProxyHeaderException($"PROXY v2 header has the bad command 0x{command:X} (expected 0 LOCAL or 1 PROXY).");
        }

        var family = data[13] >> 4;
        var transport = data[13] & 0x0F;
        if (family > 3)
        {
            throw new ProxyHeaderException($"PROXY v2 header has the bad address family 0x{family:X} (expected 0 UNSPEC, 1 INET, 2 INET6 or 3 UNIX).");
        }

        if (transport > 2)
        {
            throw new ProxyHeaderException($"PROXY v2 header has the bad transport protocol 0x{transport:X} (expected 0 UNSPEC, 1 STREAM or 2 DGRAM).");
        }

        var addressLength = BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        var length = V2FixedLength + addressLength;
        if (length > maxLength)
        {
            throw new ProxyHeaderException($"PROXY v2 header too long: {length} bytes, more than the limit of {maxLength}.");
        }

        if (data.Length < length)
        {
            return false;
        }

        var block = data[V2FixedLength..length];
        if (command == 0)
        {
            header = new ProxyHeader(2, true, null, null, length);
            return true;
        }

        if (family != 0 && transport == 2)
        {
            throw new ProxyHeaderException("PROXY v2 header announces a DGRAM (UDP) connection on a stream connection.");
        }

        switch (family)
        {
            case 1:
                RequireBlock(block, 12, "INET");
                header = new ProxyHeader(2, false,
                    new IPEndPoint(new IPAddress(block[0..4]), BinaryPrimitives.ReadUInt16BigEndian(block[8..10])),
                    new IPEndPoint(new IPAddress(block[4..8]), BinaryPrimitives.ReadUInt16BigEndian(block[10..12])), length);
                return true;
            case 2:
                RequireBlock(block, 36, "INET6");
                header = new ProxyHeader(2, false,
                    new IPEndPoint(new IPAddress(block[0..16]), BinaryPrimitives.ReadUInt16BigEndian(block[32..34])),
                    new IPEndPoint(new IPAddress(block[16..32]), BinaryPrimitives.ReadUInt16BigEndian(block[34..36])), length);
                return true;
            case 3:
                RequireBlock(block, 216, "UNIX");
                header = new ProxyHeader(2, false, UnixPath(block[0..108]), UnixPath(block[108..216]), length);
                return true;
            default:
                // AF_UNSPEC: the proxy does not know the addresses; the real peer stays (spec §2.2).
                header = new ProxyHeader(2, false, null, null, length);
                return true;
        }
    }

    private static void RequireBlock(ReadOnlySpan<byte> block, int needed, string family)
    {
        if (block.Length < needed)
        {
            throw new ProxyHeaderException($"PROXY v2 header's address block is truncated: {block.Length} bytes, {family} needs {needed}.");
        }
    }

    private static EndPoint? UnixPath(ReadOnlySpan<byte> path)
    {
        var end = path.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(end < 0 ? path : path[..end]);
        return text.Length == 0 ? null : new UnixDomainSocketEndPoint(text);
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return builder.ToString();
    }
}
