using System.Net;
using System.Text;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Protocols.Socks;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Socks;

/// <summary>The SOCKS client endpoint against a scripted proxy on StringTransport.</summary>
public sealed class SocksClientEndpointTests
{
    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    /// <summary>"Connects" at once: the built protocol is bound to <see cref="Transport"/>.</summary>
    private sealed class FakeProxyEndpoint : IStreamClientEndpoint
    {
        public StringTransport Transport { get; } = new(new IPEndPoint(IPAddress.Loopback, 40000), new IPEndPoint(IPAddress.Loopback, 1080));

        public Deferred<IProtocol> Connect(IProtocolFactory factory)
        {
            var protocol = factory.BuildProtocol(Transport.Peer)!;
            Transport.Connect(protocol);
            return Deferred.Succeed(protocol);
        }
    }

    private sealed class Collector : Protocol
    {
        public StringBuilder Text { get; } = new();

        public Exception? Lost { get; private set; }

        public override void DataReceived(ReadOnlySpan<byte> data) => Text.Append(Encoding.ASCII.GetString(data));

        public override void ConnectionLost(Exception reason) => Lost = reason;
    }

    private static (Deferred<IProtocol> Result, StringTransport Proxy) Start(SocksVersion version, string host, int port, string? user = null, string? password = null)
    {
        var proxy = new FakeProxyEndpoint();
        var endpoint = new SocksClientEndpoint(proxy, host, port, version, user, password);
        var result = endpoint.Connect(Factory.ForProtocol(() => new Collector()));
        return (result, proxy.Transport);
    }

    private static Exception Failure(Deferred<IProtocol> result)
    {
        Exception? error = null;
        result.AddBoth(r =>
        {
            error = r.Error;
            return Unit.Value;
        });
        return error ?? throw new InvalidOperationException("the Deferred did not fail");
    }

    private static IProtocol Success(Deferred<IProtocol> result)
    {
        IProtocol? value = null;
        result.AddCallback(p => value = p);
        return value ?? throw new InvalidOperationException("the Deferred did not succeed");
    }

    [Fact]
    public void Socks5_connect_hands_the_connection_to_the_protocol_with_early_bytes()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "example.org", 443);
        Assert.Equal(Bytes(5, 1, 0), proxy.Value());
        proxy.Clear();
        proxy.Protocol!.DataReceived(Bytes(5, 0));
        Assert.Equal([5, 1, 0, 3, 11, .. "example.org"u8, 1, 0xBB], proxy.Value());
        Assert.False(result.Called);
        proxy.Protocol.DataReceived([5, 0, 0, 1, 127, 0, 0, 1, 0, 9, .. "hello"u8]);
        var collector = Assert.IsType<Collector>(Success(result));
        Assert.Equal("hello", collector.Text.ToString());
        proxy.Protocol.DataReceived(" again"u8);
        Assert.Equal("hello again", collector.Text.ToString());
        proxy.DeliverConnectionLost(new ConnectionDoneException());
        Assert.IsType<ConnectionDoneException>(collector.Lost);
    }

    [Fact]
    public void Socks5_with_credentials_logs_in()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80, "alice", "pw");
        Assert.Equal(Bytes(5, 2, 0, 2), proxy.Value());
        proxy.Clear();
        proxy.Protocol!.DataReceived(Bytes(5, 2));
        Assert.Equal(SocksCodec.FormatUsernamePassword("alice", "pw"), proxy.Value());
        proxy.Clear();
        proxy.Protocol.DataReceived(Bytes(1, 0));
        Assert.Equal(Bytes(5, 1, 0, 1, 127, 0, 0, 1, 0, 80), proxy.Value());
        proxy.Protocol.DataReceived(Bytes(5, 0, 0, 1, 0, 0, 0, 0, 0, 0));
        Success(result);
    }

    [Fact]
    public void Socks5_refused_login_fails_with_an_authentication_error()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80, "alice", "bad");
        proxy.Protocol!.DataReceived(Bytes(5, 2, 1, 1));
        var e = Assert.IsType<SocksAuthenticationException>(Failure(result));
        Assert.Equal("The SOCKS5 proxy refused the username/password of 'alice'.", e.Message);
        Assert.True(proxy.Disconnecting);
    }

    [Fact]
    public void Socks5_no_acceptable_method_fails_with_an_authentication_error()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80);
        proxy.Protocol!.DataReceived(Bytes(5, 0xFF));
        var e = Assert.IsType<SocksAuthenticationException>(Failure(result));
        Assert.Equal("The SOCKS5 proxy accepts none of the offered authentication methods (no authentication).", e.Message);
    }

    [Fact]
    public void Socks5_refusal_names_the_reply_code()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 81);
        proxy.Protocol!.DataReceived(Bytes(5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0));
        var e = Assert.IsType<SocksReplyException>(Failure(result));
        Assert.Equal(5, e.Version);
        Assert.Equal(Socks5ReplyCode.ConnectionRefused, e.Socks5Code);
        Assert.Equal("The SOCKS5 proxy refused the connection to 127.0.0.1:81: connection refused (reply code 5).", e.Message);
        Assert.True(proxy.Disconnecting);
    }

    [Fact]
    public void Socks4_refusal_names_the_reply_code()
    {
        var (result, proxy) = Start(SocksVersion.Socks4, "127.0.0.1", 80);
        Assert.Equal(Bytes(4, 1, 0, 80, 127, 0, 0, 1, 0), proxy.Value());
        proxy.Protocol!.DataReceived(Bytes(0, 91, 0, 0, 0, 0, 0, 0));
        var e = Assert.IsType<SocksReplyException>(Failure(result));
        Assert.Equal("The SOCKS4 proxy refused the connection to 127.0.0.1:80: request rejected or failed (reply code 91).", e.Message);
    }

    [Fact]
    public void Socks4a_sends_the_host_name_and_connects()
    {
        var (result, proxy) = Start(SocksVersion.Socks4a, "localhost", 80, "me");
        Assert.Equal([4, 1, 0, 80, 0, 0, 0, 1, .. "me"u8, 0, .. "localhost"u8, 0], proxy.Value());
        proxy.Protocol!.DataReceived(Bytes(0, 90, 0, 0, 0, 0, 0, 0));
        Success(result);
    }

    [Fact]
    public void Proxy_closing_during_the_handshake_fails_the_connect()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80);
        proxy.DeliverConnectionLost(new ConnectionDoneException());
        var e = Assert.IsType<ConnectionLostException>(Failure(result));
        Assert.Equal("The SOCKS proxy closed the connection before granting the connection to 127.0.0.1:80.", e.Message);
    }

    [Fact]
    public void Malformed_reply_fails_the_connect()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80);
        proxy.Protocol!.DataReceived(Bytes(4, 0));
        var e = Assert.IsType<SocksProtocolException>(Failure(result));
        Assert.Equal("SOCKS5 method selection: version byte is 4, not 5.", e.Message);
    }

    [Fact]
    public void Cancelling_during_the_handshake_aborts_the_proxy_connection()
    {
        var (result, proxy) = Start(SocksVersion.Socks5, "127.0.0.1", 80);
        result.Cancel();
        Assert.True(proxy.Aborted);
        Assert.IsType<CancelledException>(Failure(result));
    }

    [Fact]
    public void Socks4_needs_an_IPv4_literal()
    {
        var e = Assert.Throws<ArgumentException>(() => new SocksClientEndpoint(new FakeProxyEndpoint(), "example.org", 80, SocksVersion.Socks4));
        Assert.StartsWith("SOCKS4 needs an IPv4 address, not the host name 'example.org'", e.Message);
        Assert.Throws<ArgumentException>(() => new SocksClientEndpoint(new FakeProxyEndpoint(), "::1", 80, SocksVersion.Socks4a));
        Assert.Throws<ArgumentException>(() => new SocksClientEndpoint(new FakeProxyEndpoint(), "127.0.0.1", 80, SocksVersion.Socks4, "u", "p"));
    }

    [Fact]
    public void Endpoint_strings_parse()
    {
        var reactor = new MemoryReactor();
        var endpoint = SocksClientEndpoint.Parse(reactor, "socks5:127.0.0.1:1080:localhost:80:user=u:password=p");
        Assert.Equal(SocksVersion.Socks5, endpoint.Version);
        Assert.Equal("localhost", endpoint.Host);
        Assert.Equal(80, endpoint.Port);
        Assert.Equal("u", endpoint.Username);
        var v6 = SocksClientEndpoint.Parse(reactor, "socks4a:[::1]:1080:example.org:443");
        Assert.Equal(SocksVersion.Socks4a, v6.Version);
        var literal = SocksClientEndpoint.Parse(reactor, "socks5:127.0.0.1:1080:[2001:db8::1]:443");
        Assert.Equal(IPAddress.Parse("2001:db8::1"), literal.Destination.Address);
    }

    [Theory]
    [InlineData("socks6:h:1:h:2", "'socks6:h:1:h:2': 'socks6' is not socks4, socks4a or socks5.")]
    [InlineData("socks5:h:1:h", "'socks5:h:1:h': expected socks5:PROXYHOST:PROXYPORT:HOST:PORT[:user=U][:password=P].")]
    [InlineData("socks5:h:x:h:2", "'socks5:h:x:h:2': 'x' is not a port (0 to 65535).")]
    [InlineData("socks5:h:1:h:2:color=red", "'socks5:h:1:h:2:color=red': 'color=' is not an option (user=, password=).")]
    public void Bad_endpoint_strings_name_the_bad_part(string description, string message)
    {
        var e = Assert.Throws<FormatException>(() => SocksClientEndpoint.Parse(new MemoryReactor(), description));
        Assert.Equal(message, e.Message);
    }
}
