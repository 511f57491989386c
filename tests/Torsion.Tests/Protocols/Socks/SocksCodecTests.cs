using System.Net;
using System.Text;
using Torsion.Protocols.Socks;

namespace Torsion.Tests.Protocols.Socks;

public sealed class SocksCodecTests
{
    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    // ---- SOCKS4 / SOCKS4a requests

    [Fact]
    public void Socks4_connect_request_parses()
    {
        var bytes = Concat(Bytes(4, 1, 0, 80, 10, 0, 0, 1), "bob"u8.ToArray(), Bytes(0), Bytes(99));
        Assert.True(SocksCodec.TryParseSocks4Request(bytes, out var request, out var consumed));
        Assert.Equal(12, consumed);
        Assert.Equal(SocksCommand.Connect, request.Command);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), request.Destination.Address);
        Assert.Equal(80, request.Destination.Port);
        Assert.Equal("bob", request.UserId);
    }

    [Fact]
    public void Socks4a_request_carries_the_host_name()
    {
        var bytes = Concat(Bytes(4, 2, 0x1F, 0x90, 0, 0, 0, 7), Bytes(0), "example.org"u8.ToArray(), Bytes(0));
        Assert.True(SocksCodec.TryParseSocks4Request(bytes, out var request, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(SocksCommand.Bind, request.Command);
        Assert.Equal("example.org", request.Destination.HostName);
        Assert.Null(request.Destination.Address);
        Assert.Equal(8080, request.Destination.Port);
        Assert.Equal("", request.UserId);
    }

    [Fact]
    public void Socks4_request_with_ip_0_0_0_0_is_not_4a()
    {
        Assert.True(SocksCodec.TryParseSocks4Request(Bytes(4, 2, 0, 0, 0, 0, 0, 0, 0), out var request, out _));
        Assert.Equal(IPAddress.Any, request.Destination.Address);
    }

    [Fact]
    public void Socks4_request_split_anywhere_is_incomplete_until_the_end()
    {
        var bytes = Concat(Bytes(4, 1, 0, 80, 0, 0, 0, 1), "u"u8.ToArray(), Bytes(0), "h.example"u8.ToArray(), Bytes(0));
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(SocksCodec.TryParseSocks4Request(bytes.AsSpan(0, n), out _, out _));
        }

        Assert.True(SocksCodec.TryParseSocks4Request(bytes, out _, out _));
    }

    [Fact]
    public void Socks4_request_with_wrong_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(Bytes(5, 1, 0, 80, 1, 2, 3, 4, 0), out _, out _));
        Assert.Equal("SOCKS4 request: version byte is 5, not 4.", e.Message);
    }

    [Fact]
    public void Socks4_request_with_unknown_command_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(Bytes(4, 3), out _, out _));
        Assert.Equal("SOCKS4 request: command 3 is neither CONNECT (1) nor BIND (2).", e.Message);
    }

    [Fact]
    public void Socks4_userid_of_255_bytes_is_accepted()
    {
        var bytes = Concat(Bytes(4, 1, 0, 80, 1, 2, 3, 4), new byte[255].Select(_ => (byte)'a').ToArray(), Bytes(0));
        Assert.True(SocksCodec.TryParseSocks4Request(bytes, out var request, out _));
        Assert.Equal(255, request.UserId.Length);
    }

    [Fact]
    public void Socks4_userid_longer_than_255_bytes_is_refused_before_its_nul()
    {
        var bytes = Concat(Bytes(4, 1, 0, 80, 1, 2, 3, 4), Enumerable.Repeat((byte)'a', 256).ToArray());
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(bytes, out _, out _));
        Assert.Equal("SOCKS4 request: USERID is longer than 255 bytes.", e.Message);
    }

    [Fact]
    public void Socks4a_host_name_longer_than_255_bytes_is_refused()
    {
        var bytes = Concat(Bytes(4, 1, 0, 80, 0, 0, 0, 1, 0), Enumerable.Repeat((byte)'h', 256).ToArray(), Bytes(0));
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(bytes, out _, out _));
        Assert.Equal("SOCKS4a request: host name is longer than 255 bytes.", e.Message);
    }

    [Fact]
    public void Socks4a_empty_host_name_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(Bytes(4, 1, 0, 80, 0, 0, 0, 1, 0, 0), out _, out _));
        Assert.Equal("SOCKS4a request: the host name is empty.", e.Message);
    }

    [Fact]
    public void Socks4a_host_name_with_a_control_byte_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Request(Bytes(4, 1, 0, 80, 0, 0, 0, 1, 0, (byte)'a', 10, (byte)'b', 0), out _, out _));
        Assert.Equal("SOCKS4a request: the host name contains byte 0x0A; only printable ASCII is accepted (IDNs go as punycode).", e.Message);
    }

    [Fact]
    public void Socks4_and_4a_requests_format_as_parsed()
    {
        var plain = SocksCodec.FormatSocks4Request(new Socks4Request(SocksCommand.Connect, new SocksAddress(IPAddress.Parse("192.0.2.1"), 443), "me"));
        Assert.Equal(Concat(Bytes(4, 1, 1, 0xBB, 192, 0, 2, 1), "me"u8.ToArray(), Bytes(0)), plain);
        var fourA = SocksCodec.FormatSocks4Request(new Socks4Request(SocksCommand.Connect, new SocksAddress("localhost", 80), ""));
        Assert.Equal(Concat(Bytes(4, 1, 0, 80, 0, 0, 0, 1, 0), "localhost"u8.ToArray(), Bytes(0)), fourA);
    }

    [Fact]
    public void Socks4_request_cannot_carry_IPv6()
    {
        var e = Assert.Throws<ArgumentException>(() => SocksCodec.FormatSocks4Request(new Socks4Request(SocksCommand.Connect, new SocksAddress(IPAddress.IPv6Loopback, 80), "")));
        Assert.StartsWith("SOCKS4 carries IPv4 destinations only, not ::1; use SOCKS5.", e.Message);
    }

    [Fact]
    public void Socks4_replies_round_trip()
    {
        var bytes = SocksCodec.FormatSocks4Reply(Socks4ReplyCode.Granted, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 4000));
        Assert.Equal(Bytes(0, 90, 0x0F, 0xA0, 127, 0, 0, 1), bytes);
        Assert.True(SocksCodec.TryParseSocks4Reply(bytes, out var reply));
        Assert.Equal(Socks4ReplyCode.Granted, reply.Code);
        Assert.Equal(4000, reply.Bound.Port);
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), SocksCodec.FormatSocks4Reply(Socks4ReplyCode.Rejected));
        Assert.False(SocksCodec.TryParseSocks4Reply(bytes.AsSpan(0, 7), out _));
    }

    [Fact]
    public void Socks4_reply_with_nonzero_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks4Reply(Bytes(4, 90, 0, 0, 0, 0, 0, 0), out _));
        Assert.Equal("SOCKS4 reply: version byte is 4, not 0.", e.Message);
    }

    // ---- SOCKS5 greeting and method selection

    [Fact]
    public void Socks5_greeting_parses_the_methods()
    {
        Assert.True(SocksCodec.TryParseSocks5Greeting(Bytes(5, 2, 0, 2, 9), out var methods, out var consumed));
        Assert.Equal(Bytes(0, 2), methods);
        Assert.Equal(4, consumed);
        Assert.False(SocksCodec.TryParseSocks5Greeting(Bytes(5, 2, 0), out _, out _));
        Assert.Equal(Bytes(5, 2, 0, 2), SocksCodec.FormatSocks5Greeting(Socks5AuthMethod.NoAuthentication, Socks5AuthMethod.UsernamePassword));
    }

    [Fact]
    public void Socks5_greeting_with_no_methods_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Greeting(Bytes(5, 0), out _, out _));
        Assert.Equal("SOCKS5 greeting: NMETHODS is 0 (no authentication method offered).", e.Message);
    }

    [Fact]
    public void Socks5_greeting_with_wrong_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Greeting(Bytes(4, 1, 0), out _, out _));
        Assert.Equal("SOCKS5 greeting: version byte is 4, not 5.", e.Message);
    }

    [Fact]
    public void Socks5_method_selection_round_trips()
    {
        Assert.Equal(Bytes(5, 0xFF), SocksCodec.FormatSocks5MethodSelection(Socks5AuthMethod.NoAcceptableMethods));
        Assert.True(SocksCodec.TryParseSocks5MethodSelection(Bytes(5, 2), out var method));
        Assert.Equal(Socks5AuthMethod.UsernamePassword, method);
        Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5MethodSelection(Bytes(1, 0), out _));
    }

    // ---- SOCKS5 requests and replies

    [Fact]
    public void Socks5_request_with_IPv4_parses()
    {
        Assert.True(SocksCodec.TryParseSocks5Request(Bytes(5, 1, 0, 1, 127, 0, 0, 1, 0, 80, 42), out var request, out var consumed));
        Assert.Equal(10, consumed);
        Assert.Equal(new Socks5Request(SocksCommand.Connect, new SocksAddress(IPAddress.Loopback, 80)), request);
    }

    [Fact]
    public void Socks5_request_with_IPv6_parses()
    {
        var bytes = Concat(Bytes(5, 3, 0, 4), IPAddress.IPv6Loopback.GetAddressBytes(), Bytes(0x01, 0xBB));
        Assert.True(SocksCodec.TryParseSocks5Request(bytes, out var request, out var consumed));
        Assert.Equal(22, consumed);
        Assert.Equal(SocksCommand.UdpAssociate, request.Command);
        Assert.Equal(IPAddress.IPv6Loopback, request.Destination.Address);
        Assert.Equal(443, request.Destination.Port);
    }

    [Fact]
    public void Socks5_request_with_a_domain_parses_and_round_trips()
    {
        var request = new Socks5Request(SocksCommand.Bind, new SocksAddress("localhost", 21));
        var bytes = SocksCodec.FormatSocks5Request(request);
        Assert.Equal(Concat(Bytes(5, 2, 0, 3, 9), "localhost"u8.ToArray(), Bytes(0, 21)), bytes);
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(SocksCodec.TryParseSocks5Request(bytes.AsSpan(0, n), out _, out _));
        }

        Assert.True(SocksCodec.TryParseSocks5Request(bytes, out var parsed, out _));
        Assert.Equal(request, parsed);
    }

    [Fact]
    public void Socks5_request_with_unknown_command_answers_command_not_supported()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Request(Bytes(5, 9, 0, 1), out _, out _));
        Assert.Equal("SOCKS5 request: command 9 is not CONNECT (1), BIND (2) or UDP ASSOCIATE (3).", e.Message);
        Assert.Equal(Socks5ReplyCode.CommandNotSupported, e.Reply);
    }

    [Fact]
    public void Socks5_request_with_unknown_address_type_answers_address_type_not_supported()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Request(Bytes(5, 1, 0, 2, 1, 2, 3, 4, 0, 80), out _, out _));
        Assert.Equal("SOCKS5 request: address type 2 is not IPv4 (1), DOMAINNAME (3) or IPv6 (4).", e.Message);
        Assert.Equal(Socks5ReplyCode.AddressTypeNotSupported, e.Reply);
    }

    [Fact]
    public void Socks5_request_with_empty_domain_answers_general_failure()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Request(Bytes(5, 1, 0, 3, 0, 0, 80), out _, out _));
        Assert.Equal("SOCKS5 request: the domain name is empty.", e.Message);
        Assert.Equal(Socks5ReplyCode.GeneralFailure, e.Reply);
    }

    [Fact]
    public void Socks5_request_with_a_nul_in_the_domain_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Request(Bytes(5, 1, 0, 3, 3, (byte)'a', 0, (byte)'b', 0, 80), out _, out _));
        Assert.Equal("SOCKS5 request: the host name contains byte 0x00; only printable ASCII is accepted (IDNs go as punycode).", e.Message);
    }

    [Fact]
    public void Socks5_request_with_wrong_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Request(Bytes(4, 1, 0, 1), out _, out _));
        Assert.Equal("SOCKS5 request: version byte is 4, not 5.", e.Message);
    }

    [Fact]
    public void Socks5_domain_of_255_bytes_is_the_limit()
    {
        var name = new string('a', 255);
        var bytes = SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, new SocksAddress(name, 1)));
        Assert.True(SocksCodec.TryParseSocks5Request(bytes, out var parsed, out _));
        Assert.Equal(name, parsed.Destination.HostName);
        Assert.Throws<ArgumentException>(() => new SocksAddress(new string('a', 256), 1));
    }

    [Fact]
    public void Socks5_replies_round_trip()
    {
        var bytes = SocksCodec.FormatSocks5Reply(Socks5ReplyCode.Succeeded, new SocksAddress(IPAddress.Parse("127.0.0.1"), 1080));
        Assert.Equal(Bytes(5, 0, 0, 1, 127, 0, 0, 1, 0x04, 0x38), bytes);
        Assert.True(SocksCodec.TryParseSocks5Reply(bytes, out var reply, out var consumed));
        Assert.Equal(10, consumed);
        Assert.Equal(Socks5ReplyCode.Succeeded, reply.Code);
        Assert.Equal(Bytes(5, 5, 0, 1, 0, 0, 0, 0, 0, 0), SocksCodec.FormatSocks5Reply(Socks5ReplyCode.ConnectionRefused));
        var v6 = SocksCodec.FormatSocks5Reply(Socks5ReplyCode.Succeeded, new SocksAddress(IPAddress.IPv6Loopback, 1));
        Assert.Equal(22, v6.Length);
        Assert.Equal(4, v6[3]);
    }

    [Fact]
    public void Socks5_reply_with_wrong_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseSocks5Reply(Bytes(0, 90, 0, 1), out _, out _));
        Assert.Equal("SOCKS5 reply: version byte is 0, not 5.", e.Message);
    }

    // ---- RFC 1929

    [Fact]
    public void Username_password_request_parses()
    {
        var bytes = SocksCodec.FormatUsernamePassword("alice", "s3cret");
        Assert.Equal(Concat(Bytes(1, 5), "alice"u8.ToArray(), Bytes(6), "s3cret"u8.ToArray()), bytes);
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.False(SocksCodec.TryParseUsernamePassword(bytes.AsSpan(0, n), out _, out _));
        }

        Assert.True(SocksCodec.TryParseUsernamePassword(bytes, out var credentials, out var consumed));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal("alice", credentials.Username);
        Assert.Equal("s3cret", credentials.Password);
    }

    [Fact]
    public void Username_password_with_empty_password_is_accepted()
    {
        Assert.True(SocksCodec.TryParseUsernamePassword(Bytes(1, 1, (byte)'u', 0), out var credentials, out _));
        Assert.Equal("", credentials.Password);
    }

    [Fact]
    public void Username_password_with_wrong_version_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseUsernamePassword(Bytes(5, 1, (byte)'u', 0), out _, out _));
        Assert.Equal("SOCKS5 username/password request: version byte is 5, not 1.", e.Message);
    }

    [Fact]
    public void Username_password_with_empty_username_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseUsernamePassword(Bytes(1, 0, 0), out _, out _));
        Assert.Equal("SOCKS5 username/password request: ULEN is 0 (empty username).", e.Message);
    }

    [Fact]
    public void Username_longer_than_255_bytes_cannot_be_formatted()
    {
        Assert.Throws<ArgumentException>(() => SocksCodec.FormatUsernamePassword(new string('u', 256), "p"));
        Assert.Throws<ArgumentException>(() => SocksCodec.FormatUsernamePassword("u", new string('p', 256)));
        Assert.Equal(255, SocksCodec.FormatUsernamePassword(new string('u', 255), "")[1]);
    }

    [Fact]
    public void Username_password_replies_round_trip()
    {
        Assert.Equal(Bytes(1, 0), SocksCodec.FormatUsernamePasswordReply(true));
        Assert.Equal(Bytes(1, 1), SocksCodec.FormatUsernamePasswordReply(false));
        Assert.True(SocksCodec.TryParseUsernamePasswordReply(Bytes(1, 0), out var ok));
        Assert.True(ok);
        Assert.True(SocksCodec.TryParseUsernamePasswordReply(Bytes(1, 7), out ok));
        Assert.False(ok);
        Assert.Throws<SocksProtocolException>(() => SocksCodec.TryParseUsernamePasswordReply(Bytes(5, 0), out _));
    }

    // ---- UDP header

    [Fact]
    public void Udp_datagram_round_trips()
    {
        var bytes = SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(IPAddress.Parse("10.1.2.3"), 53), "query"u8);
        Assert.Equal(Concat(Bytes(0, 0, 0, 1, 10, 1, 2, 3, 0, 53), "query"u8.ToArray()), bytes);
        var header = SocksCodec.ParseSocks5UdpHeader(bytes);
        Assert.Equal(0, header.Fragment);
        Assert.Equal(10, header.Length);
        Assert.Equal("query", Encoding.ASCII.GetString(bytes.AsSpan(header.Length)));
    }

    [Fact]
    public void Udp_datagram_with_a_domain_and_a_fragment_number_parses()
    {
        var bytes = SocksCodec.FormatSocks5UdpDatagram(new SocksAddress("localhost", 7), "x"u8, fragment: 3);
        var header = SocksCodec.ParseSocks5UdpHeader(bytes);
        Assert.Equal(3, header.Fragment);
        Assert.Equal("localhost", header.Destination.HostName);
    }

    [Fact]
    public void Udp_datagram_shorter_than_its_header_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.ParseSocks5UdpHeader(Bytes(0, 0, 0, 1, 10, 1)));
        Assert.Equal("SOCKS5 UDP header: the datagram (6 bytes) is shorter than its header.", e.Message);
    }

    [Fact]
    public void Udp_datagram_with_unknown_address_type_is_refused()
    {
        var e = Assert.Throws<SocksProtocolException>(() => SocksCodec.ParseSocks5UdpHeader(Bytes(0, 0, 0, 7, 1, 2, 3, 4, 0, 1)));
        Assert.Equal("SOCKS5 UDP header: address type 7 is not IPv4 (1), DOMAINNAME (3) or IPv6 (4).", e.Message);
    }

    // ---- access list

    [Theory]
    [InlineData("127.0.0.1", 80, true)]
    [InlineData("127.0.0.1", 22, false)]
    [InlineData("10.9.8.7", 443, true)]
    [InlineData("10.9.8.7", 8080, false)]
    [InlineData("192.0.2.1", 80, false)]
    [InlineData("::1", 80, true)]
    [InlineData("::ffff:127.0.0.2", 80, true)]
    public void Access_list_denies_first_then_needs_an_allow(string address, int port, bool allowed)
    {
        var list = new SocksAccessList().Allow("127.0.0.0/8").Allow("10.0.0.0/8:80,443-444").Allow("[::1]").Deny("127.0.0.1:22");
        var endPoint = new IPEndPoint(IPAddress.Parse(address), port);
        Assert.Equal(allowed, new SocksServerFactory(new Torsion.Testing.MemoryReactor(), accessRule: list).Allows(endPoint));
    }

    [Fact]
    public void Access_list_without_allows_allows_what_is_not_denied()
    {
        var list = new SocksAccessList().Deny("::1/128:22").Deny("169.254.0.0/16");
        Assert.True(list.Allows(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 22)));
        Assert.False(list.Allows(new IPEndPoint(IPAddress.IPv6Loopback, 22)));
        Assert.True(list.Allows(new IPEndPoint(IPAddress.IPv6Loopback, 23)));
        Assert.False(list.Allows(new IPEndPoint(IPAddress.Parse("169.254.1.1"), 80)));
    }

    [Theory]
    [InlineData("10.0.0.1/8", "'10.0.0.1/8': '10.0.0.1/8' is not a CIDR range such as 10.0.0.0/8 or ::1/128 (host bits must be zero).")]
    [InlineData("nonsense", "'nonsense': 'nonsense' is not an IP address or CIDR range.")]
    [InlineData("10.0.0.0/8:99999", "'10.0.0.0/8:99999': '99999' is not a port (0 to 65535).")]
    [InlineData("10.0.0.0/8:90-80", "'10.0.0.0/8:90-80': port range '90-80' ends before it starts.")]
    [InlineData("[::1", "'[::1': '[' without ']'.")]
    public void Access_list_entry_errors_name_the_bad_part(string entry, string message)
    {
        var e = Assert.Throws<FormatException>(() => new SocksAccessList().Allow(entry));
        Assert.Equal(message, e.Message);
    }
}
