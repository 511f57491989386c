using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Endpoints.Proxy;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Tests.Reactor;
using Torsion.Transports;

namespace Torsion.Tests.Endpoints.Proxy;

public sealed class ProxyProtocolFactoryTests
{
    private readonly Clock _clock = new();
    private readonly RecordingLoggerFactory _logs = new();
    private readonly List<(EndPoint Peer, PeerRecorder Protocol)> _built = [];
    private readonly StringTransport _transport = new(new IPEndPoint(IPAddress.Loopback, 8080), new IPEndPoint(IPAddress.Loopback, 50000));

    private IProtocol Connect()
    {
        var factory = new ProxyProtocolFactory(new Factory(peer =>
        {
            var p = new PeerRecorder();
            _built.Add((peer, p));
            return p;
        }), _clock, TimeSpan.FromSeconds(3), _logs.CreateLogger("proxy"));
        var protocol = factory.BuildProtocol(_transport.Peer)!;
        _transport.Connect(protocol);
        return protocol;
    }

    [Fact]
    public void Peer_is_the_original_client_and_bytes_after_the_header_reach_the_protocol()
    {
        var protocol = Connect();
        protocol.DataReceived("PROXY TCP4 203.0.113.7 127.0.0.1 40000 8080\r\nhello"u8);
        var (peer, app) = Assert.Single(_built);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000), peer);
        Assert.Equal(peer, app.Transport.Peer);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), app.Transport.Host);
        Assert.Equal("hello", app.Text);
        app.Transport.Write("back"u8);
        Assert.Equal("back", _transport.ValueString());
    }

    [Fact]
    public void Header_split_over_reads_is_assembled()
    {
        var protocol = Connect();
        var data = ProxyHeaderParserTests.V2(1, 1, 1, ProxyHeaderParserTests.Inet("203.0.113.7", "127.0.0.1", 1234, 80));
        foreach (var b in data)
        {
            Assert.Empty(_built);
            protocol.DataReceived([b]);
        }

        protocol.DataReceived("x"u8);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 1234), _built[0].Protocol.Transport.Peer);
        Assert.Equal("x", _built[0].Protocol.Text);
    }

    [Fact]
    public void Local_command_keeps_the_real_peer()
    {
        var protocol = Connect();
        protocol.DataReceived(ProxyHeaderParserTests.V2(0, 0, 0, []));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 50000), _built[0].Protocol.Transport.Peer);
    }

    [Fact]
    public void Malformed_header_closes_the_connection_with_a_logged_reason()
    {
        var protocol = Connect();
        protocol.DataReceived("GET / HTTP/1.1\r\n\r\n"u8);
        Assert.True(_transport.Aborted);
        Assert.Empty(_built);
        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal("Closing the connection from 127.0.0.1:50000: Bad PROXY signature: the connection starts with byte 0x47, not 'PROXY ' (v1) or the v2 signature.", entry.Message);
    }

    [Fact]
    public void Oversized_v1_header_closes_the_connection()
    {
        var protocol = Connect();
        protocol.DataReceived(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('a', 60)));
        Assert.False(_transport.Aborted);
        protocol.DataReceived(Encoding.ASCII.GetBytes(new string('a', 60)));
        Assert.True(_transport.Aborted);
        Assert.Contains("too long", Assert.Single(_logs.Entries).Message);
    }

    [Fact]
    public void Slow_header_is_timed_out()
    {
        var protocol = Connect();
        protocol.DataReceived("PROXY TCP4 "u8);
        _clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(_transport.Aborted);
        _clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(_transport.Aborted);
        Assert.Equal("Closing the connection from 127.0.0.1:50000: no complete PROXY header within 3 s", Assert.Single(_logs.Entries).Message);
    }

    [Fact]
    public void Header_in_time_cancels_the_timer()
    {
        var protocol = Connect();
        protocol.DataReceived("PROXY UNKNOWN\r\n"u8);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(_transport.Aborted);
        Assert.Empty(_clock.PendingCalls);
    }

    [Fact]
    public void Connection_lost_reaches_the_application()
    {
        var protocol = Connect();
        protocol.DataReceived("PROXY UNKNOWN\r\n"u8);
        protocol.ConnectionLost(new ConnectionDoneException());
        Assert.IsType<ConnectionDoneException>(_built[0].Protocol.LostReason);
    }

    public sealed class PeerRecorder : Protocol
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public Exception? LostReason { get; private set; }

        public override void DataReceived(ReadOnlySpan<byte> data) => _text.Append(Encoding.ASCII.GetString(data));

        public override void ConnectionLost(Exception reason) => LostReason = reason;
    }
}
