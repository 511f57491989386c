using System.Buffers.Binary;
using System.Net;
using System.Text;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.Http;

/// <summary>The graceful shutdown of a factory's HTTP/1.1 and WebSocket connections, on StringTransports driven by a Clock.</summary>
public sealed class HttpShutdownTests
{
    private const string Get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    private readonly Clock _clock = new();

    private static HttpServerOptions Options(bool http2) => new()
    {
        TimeProvider = new FixedTime(FixedTime.Moment),
        EnableHttp2 = http2,
    };

    private HttpServerFactory Factory(HttpHandler handler, bool http2 = false) => new(handler, _clock, Options(http2));

    private static StringTransport Connect(HttpServerFactory factory)
    {
        var transport = new StringTransport { ReportsConnectionLost = true };
        transport.Connect(factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5000))!);
        return transport;
    }

    private static void Send(StringTransport transport, string text) => transport.Protocol!.DataReceived(Encoding.Latin1.GetBytes(text));

    private static string Output(StringTransport transport) => Encoding.Latin1.GetString(transport.Value());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_idle_keep_alive_connection_is_closed_at_once(bool http2)
    {
        var factory = Factory(ServerHarness.Hello, http2);
        var c = Connect(factory);
        Send(c, Get);
        Assert.Contains("Hello, World!", Output(c), StringComparison.Ordinal);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.True(c.Disconnecting);
        Assert.False(c.Aborted);
        Assert.True(done.Called);
    }

    [Fact]
    public void A_connection_that_sent_nothing_is_closed_at_once()
    {
        var factory = Factory(ServerHarness.Hello, http2: true);
        var c = Connect(factory);
        Assert.True(factory.Shutdown(TimeSpan.FromSeconds(5), _clock).Called);
        Assert.True(c.Disconnecting);
        Assert.Empty(c.Value());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_response_in_flight_finishes_with_Connection_close_then_the_connection_closes(bool http2)
    {
        HttpServerResponse? pending = null;
        var factory = Factory((request, response) => pending = response, http2);
        var c = Connect(factory);
        Send(c, Get);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.False(c.Disconnecting);
        Assert.False(done.Called);

        pending!.Write("the whole body"u8);
        pending.Finish();
        var output = Output(c);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", output, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", output, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 14\r\n", output, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nthe whole body", output, StringComparison.Ordinal);
        Assert.False(pending.KeepAlive);
        Assert.True(c.Disconnecting);
        Assert.False(c.Aborted);
        Assert.True(done.Called);
    }

    [Fact]
    public void A_pipelined_request_not_started_yet_gets_no_answer()
    {
        var handled = new List<string>();
        HttpServerResponse? first = null;
        var factory = Factory((request, response) =>
        {
            handled.Add(Encoding.ASCII.GetString(request.Path));
            first ??= response;
        });
        var c = Connect(factory);
        Send(c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);

        // Bytes of a third request arriving while draining are not read either.
        Send(c, "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        first!.Finish();
        Assert.Equal(["/1"], handled);
        Assert.Equal(1, Output(c).Split("HTTP/1.1 ").Length - 1);
        Assert.Contains("Connection: close\r\n", Output(c), StringComparison.Ordinal);
        Assert.True(c.Disconnecting);
        Assert.True(done.Called);
    }

    [Fact]
    public void A_chunked_response_streaming_when_the_shutdown_starts_finishes_every_chunk()
    {
        HttpServerResponse? pending = null;
        var factory = Factory((request, response) =>
        {
            pending = response;
            response.Write("first"u8);
            response.Flush();
        });
        var c = Connect(factory);
        Send(c, Get);
        Assert.Contains("Transfer-Encoding: chunked\r\n", Output(c), StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", Output(c), StringComparison.Ordinal);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        _clock.Advance(TimeSpan.FromSeconds(1));
        pending!.Write("second"u8);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(c.Disconnecting);
        pending.Write("third"u8);
        pending.Finish();
        Assert.EndsWith("\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n5\r\nthird\r\n0\r\n\r\n", Output(c), StringComparison.Ordinal);
        Assert.True(c.Disconnecting);
        Assert.False(c.Aborted);
        Assert.True(done.Called);
    }

    [Fact]
    public void A_response_that_never_finishes_is_aborted_at_the_timeout()
    {
        Exception? aborted = null;
        var factory = Factory((request, response) =>
        {
            response.Aborted += e => aborted = e;
            response.Write("partial"u8);
            response.Flush();
        });
        var c = Connect(factory);
        var idle = Connect(factory);
        Send(c, Get);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.True(idle.Disconnecting);
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(done.Called);
        Assert.False(c.Disconnecting);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(done.Called);
        Assert.True(c.Aborted);
        Assert.IsType<Torsion.Transports.ConnectionLostException>(aborted);
    }

    [Fact]
    public void A_request_whose_head_is_still_arriving_is_closed_without_an_answer()
    {
        var factory = Factory(ServerHarness.Hello);
        var c = Connect(factory);
        Send(c, "GET / HTTP/1.1\r\nHo");
        Assert.True(factory.Shutdown(TimeSpan.FromSeconds(5), _clock).Called);
        Assert.True(c.Disconnecting);
        Assert.Empty(c.Value());
    }

    [Fact]
    public void New_connections_are_refused_once_the_shutdown_started()
    {
        var factory = Factory(ServerHarness.Hello);
        factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.Null(factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5000)));
    }

    [Fact]
    public void A_second_shutdown_call_waits_for_the_first()
    {
        HttpServerResponse? pending = null;
        var factory = Factory((request, response) => pending = response);
        var c = Connect(factory);
        Send(c, Get);
        var first = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        var second = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.False(second.Called);
        pending!.Finish();
        Assert.True(first.Called);
        Assert.True(second.Called);
        Assert.True(factory.Shutdown(TimeSpan.FromSeconds(5), _clock).Called);
    }

    [Fact]
    public void A_negative_timeout_is_refused()
    {
        var factory = Factory(ServerHarness.Hello);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => factory.Shutdown(TimeSpan.FromSeconds(-1), _clock));
        Assert.Equal("timeout", e.ParamName);
    }

    [Fact]
    public void An_http1_connection_without_a_factory_drains_by_itself()
    {
        HttpServerResponse? pending = null;
        var s = new ServerHarness((request, response) => pending = response);
        s.Send(Get);
        s.Protocol.Shutdown();
        Assert.True(s.Protocol.IsShuttingDown);
        Assert.False(s.Transport.Disconnecting);
        pending!.Finish();
        Assert.Contains("Connection: close\r\n", s.Output(), StringComparison.Ordinal);
        Assert.True(s.Transport.Disconnecting);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_websocket_gets_close_1001_and_closes_after_the_close_handshake(bool http2)
    {
        var factory = Factory(
            (request, response) =>
            {
                // Frames (the close too) are read once someone listens for messages.
                WebSocketUpgrade.Accept(request, response, _clock)!.MessageReceived += (ws, type, payload) => { };
            },
            http2);
        var c = Connect(factory);
        Send(c, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", Output(c), StringComparison.Ordinal);
        c.Clear();
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);

        // An unmasked server close frame: FIN + opcode 8, length, code 1001, reason.
        var frame = c.Value();
        Assert.Equal(0x88, frame[0]);
        Assert.Equal(frame.Length - 2, frame[1]);
        Assert.Equal(WebSocketCloseCode.GoingAway, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)));
        Assert.Equal("The server is shutting down.", Encoding.UTF8.GetString(frame.AsSpan(4)));
        Assert.False(c.Disconnecting);
        Assert.False(done.Called);

        // The client answers with its own (masked) close frame: the server closes TCP.
        Span<byte> reply = stackalloc byte[8];
        var n = WebSocketFrameFormatter.WriteHeader(reply, fin: true, rsv1: false, WebSocketOpcode.Close, 2, 0x01020304);
        BinaryPrimitives.WriteUInt16BigEndian(reply[n..], WebSocketCloseCode.GoingAway);
        WebSocketMask.Apply(reply.Slice(n, 2), 0x01020304, 0);
        c.Protocol!.DataReceived(reply[..(n + 2)]);
        Assert.True(c.Disconnecting);
        Assert.False(c.Aborted);
        Assert.True(done.Called);
    }

    [Fact]
    public void A_websocket_that_never_answers_the_close_is_aborted_at_the_timeout()
    {
        var factory = Factory((request, response) => WebSocketUpgrade.Accept(request, response, _clock, new WebSocketOptions { CloseTimeout = TimeSpan.FromMinutes(1) }));
        var c = Connect(factory);
        Send(c, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var done = factory.Shutdown(TimeSpan.FromSeconds(2), _clock);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(done.Called);
        Assert.True(c.Aborted);
    }

    [Fact]
    public void An_upgraded_protocol_that_listens_is_told_and_closes_in_its_own_terms()
    {
        var upgraded = new ShutdownListeningProtocol();
        var factory = Factory((request, response) => response.Upgrade(upgraded));
        var c = Connect(factory);
        Send(c, "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: chat\r\nConnection: Upgrade\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", Output(c), StringComparison.Ordinal);
        c.Clear();

        var done = factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.Equal(1, upgraded.Told);
        Assert.Equal("BYE\r\n", Output(c));
        Assert.True(c.Disconnecting);
        Assert.False(c.Aborted);
        Assert.True(done.Called);

        // Told once, however often shutdown is asked for.
        factory.Shutdown(TimeSpan.FromSeconds(5), _clock);
        Assert.Equal(1, upgraded.Told);
    }

    [Fact]
    public void An_upgraded_protocol_that_does_not_listen_is_left_alone_until_the_timeout()
    {
        var upgraded = new SilentProtocol();
        var factory = Factory((request, response) => response.Upgrade(upgraded));
        var c = Connect(factory);
        Send(c, "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: chat\r\nConnection: Upgrade\r\n\r\n");
        c.Clear();

        var done = factory.Shutdown(TimeSpan.FromSeconds(2), _clock);
        Assert.Empty(c.Value());
        Assert.False(c.Disconnecting);
        Assert.False(done.Called);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(c.Aborted);
        Assert.True(done.Called);
    }

    /// <summary>A line protocol that says goodbye and closes when the server stops.</summary>
    private sealed class ShutdownListeningProtocol : Torsion.Protocols.Protocol, IServerShutdownListener
    {
        public int Told { get; private set; }

        public void ServerShuttingDown()
        {
            Told++;
            Transport.Write("BYE\r\n"u8);
            Transport.LoseConnection();
        }
    }

    private sealed class SilentProtocol : Torsion.Protocols.Protocol
    {
    }
}
