using System.Net;
using System.Text;
using Torsion.Endpoints.Proxy;

namespace Torsion.Tests.Endpoints.Proxy;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ProxyHeader Parse(byte[] data)
    {
        Assert.True(ProxyHeaderParser.TryParse(data, out var header));
        return header!;
    }

    private static ProxyHeader Parse(string text) => Parse(Encoding.ASCII.GetBytes(text));

    private static string Error(byte[] data) => Assert.Throws<ProxyHeaderException>(() => ProxyHeaderParser.TryParse(data, out _)).Message;

    private static string Error(string text) => Error(Encoding.ASCII.GetBytes(text));

    public static byte[] V2(int command, int family, int transport, byte[] block) =>
        [.. Signature, (byte)(0x20 | command), (byte)((family << 4) | transport), (byte)(block.Length >> 8), (byte)block.Length, .. block];

    public static byte[] Inet(string source, string destination, int sourcePort, int destinationPort) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
            (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort];

    [Fact]
    public void V1_tcp4()
    {
        var h = Parse("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET");
        Assert.Equal((1, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 56324), new IPEndPoint(IPAddress.Parse("198.51.100.2"), 443)), (h.Version, h.Source, h.Destination));
        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".Length, h.Length);
    }

    [Fact]
    public void V1_tcp6()
    {
        var h = Parse("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), h.Source);
    }

    [Fact]
    public void V1_unknown_keeps_the_real_peer()
    {
        var h = Parse("PROXY UNKNOWN ignored stuff\r\n");
        Assert.Null(h.Source);
        Assert.Null(Parse("PROXY UNKNOWN\r\n").Source);
    }

    [Fact]
    public void V1_needs_more_until_CRLF()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(ProxyHeaderParser.TryParse(bytes.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public void V1_bad_signature() =>
        Assert.Equal("Bad PROXY signature: the connection starts with 'PROXI', not 'PROXY ' (v1) or the v2 signature.", Error("PROXI"));

    [Fact]
    public void Bad_first_byte() =>
        Assert.Equal("Bad PROXY signature: the connection starts with byte 0x47, not 'PROXY ' (v1) or the v2 signature.", Error("GET / HTTP/1.1\r\n"));

    [Fact]
    public void V1_bad_family() =>
        Assert.Equal("PROXY v1 header has the bad family 'UDP4' (expected TCP4, TCP6 or UNKNOWN).", Error("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"));

    [Fact]
    public void V1_too_long() =>
        Assert.Equal("PROXY v1 header too long: no CRLF within 107 bytes.", Error("PROXY UNKNOWN " + new string('x', 100)));

    [Fact]
    public void V1_bare_LF() =>
        Assert.Equal("PROXY v1 header does not end with CRLF (a bare LF was found).", Error("PROXY UNKNOWN\n"));

    [Fact]
    public void V1_truncated_fields() =>
        Assert.Contains("must have 4 fields after TCP4", Error("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"));

    [Fact]
    public void V1_double_space() =>
        Assert.Contains("must have 4 fields after TCP4", Error("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n"));

    [Fact]
    public void V1_bad_port() =>
        Assert.Equal("PROXY v1 header has the bad source port '65536' (expected a decimal number from 0 to 65535 without leading zeros).", Error("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n"));

    [Fact]
    public void V1_port_with_sign() =>
        Assert.Contains("bad destination port '-2'", Error("PROXY TCP4 1.2.3.4 1.2.3.4 1 -2\r\n"));

    [Fact]
    public void V1_port_with_leading_zero() =>
        Assert.Contains("bad source port '080'", Error("PROXY TCP4 1.2.3.4 1.2.3.4 080 2\r\n"));

    [Fact]
    public void V1_bad_IPv4_address() =>
        Assert.Equal("PROXY v1 header has the bad source address '1.2.3' (expected an IPv4 literal).", Error("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n"));

    [Fact]
    public void V1_IPv6_address_under_TCP4() =>
        Assert.Contains("bad destination address '::1' (expected an IPv4 literal)", Error("PROXY TCP4 1.2.3.4 ::1 1 2\r\n"));

    [Fact]
    public void V1_IPv4_address_under_TCP6() =>
        Assert.Contains("bad source address '1.2.3.4' (expected an IPv6 literal)", Error("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"));

    [Fact]
    public void V1_non_ascii() =>
        Assert.Contains("contains the byte 0x01", Error("PROXY TCP4 1.2.3.4\u0001 1.2.3.4 1 2\r\n"));

    [Fact]
    public void V2_inet_proxy_with_TLVs_skipped()
    {
        byte[] tlv = [0x04, 0x00, 0x02, 0xAB, 0xCD];
        var data = V2(1, 1, 1, [.. Inet("203.0.113.7", "127.0.0.1", 40000, 8080), .. tlv]);
        var h = Parse([.. data, .. "hi"u8]);
        Assert.Equal((2, false, new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000), new IPEndPoint(IPAddress.Loopback, 8080), data.Length),
            (h.Version, h.IsLocal, h.Source, h.Destination, h.Length));
    }

    [Fact]
    public void V2_inet6()
    {
        byte[] block = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.IPv6Loopback.GetAddressBytes(), 0x01, 0x00, 0x00, 0x50];
        var h = Parse(V2(1, 2, 1, block));
        Assert.Equal((new IPEndPoint(IPAddress.Parse("2001:db8::7"), 256), new IPEndPoint(IPAddress.IPv6Loopback, 80)), (h.Source, h.Destination));
    }

    [Fact]
    public void V2_local_keeps_the_real_peer()
    {
        var h = Parse(V2(0, 1, 1, Inet("203.0.113.7", "127.0.0.1", 1, 2)));
        Assert.True(h.IsLocal);
        Assert.Null(h.Source);
    }

    [Fact]
    public void V2_unspec_keeps_the_real_peer() => Assert.Null(Parse(V2(1, 0, 0, [])).Source);

    [Fact]
    public void V2_needs_more_until_the_whole_block()
    {
        var data = V2(1, 1, 1, Inet("203.0.113.7", "127.0.0.1", 1, 2));
        for (var n = 0; n < data.Length; n++)
        {
            Assert.False(ProxyHeaderParser.TryParse(data.AsSpan(0, n), out _));
        }
    }

    [Fact]
    public void V2_bad_signature() =>
        Assert.Equal("Bad PROXY signature: the first 12 bytes (0D0A0D0A000D0A515549540B) are not the v2 signature 0D0A0D0A000D0A515549540A.",
            Error([.. Signature[..11], 0x0B, 0x21, 0x11, 0, 0]));

    [Fact]
    public void V2_bad_version()
    {
        var data = V2(1, 1, 1, Inet("1.2.3.4", "1.2.3.4", 1, 2));
        data[12] = 0x31;
        Assert.Equal("PROXY v2 header has the bad version 3 (expected 2).", Error(data));
    }

    [Fact]
    public void V2_bad_command() =>
        Assert.Equal("PROXY v2 header has the bad command 0x2 (expected 0 LOCAL or 1 PROXY).", Error(V2(2, 1, 1, Inet("1.2.3.4", "1.2.3.4", 1, 2))));

    [Fact]
    public void V2_bad_family() =>
        Assert.Equal("PROXY v2 header has the bad address family 0x4 (expected 0 UNSPEC, 1 INET, 2 INET6 or 3 UNIX).", Error(V2(1, 4, 1, [])));

    [Fact]
    public void V2_bad_transport() =>
        Assert.Equal("PROXY v2 header has the bad transport protocol 0x3 (expected 0 UNSPEC, 1 STREAM or 2 DGRAM).", Error(V2(1, 1, 3, [])));

    [Fact]
    public void V2_datagram_on_a_stream() =>
        Assert.Contains("announces a DGRAM (UDP) connection", Error(V2(1, 1, 2, Inet("1.2.3.4", "1.2.3.4", 1, 2))));

    [Fact]
    public void V2_truncated_address_block() =>
        Assert.Equal("PROXY v2 header's address block is truncated: 8 bytes, INET needs 12.", Error(V2(1, 1, 1, new byte[8])));

    [Fact]
    public void V2_truncated_inet6_block() =>
        Assert.Contains("8 bytes, INET6 needs 36", Error(V2(1, 2, 1, new byte[8])));

    [Fact]
    public void V2_too_long() =>
        Assert.Equal("PROXY v2 header too long: 5016 bytes, more than the limit of 4096.", Error([.. Signature, 0x21, 0x11, 0x13, 0x88]));
}
