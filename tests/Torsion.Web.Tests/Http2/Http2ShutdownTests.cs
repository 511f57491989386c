using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

/// <summary>The per-stream idle timeout and the graceful shutdown of a factory's HTTP/2 connections, driven by a Clock.</summary>
public sealed class Http2ShutdownTests
{
    private static HttpServerOptions Options(TimeSpan? streamIdle = null) => new()
    {
        TimeProvider = new FixedTime(FixedTime.Moment),
        IdleTimeout = TimeSpan.FromHours(1),
        Http2 = new Http2Limits { StreamIdleTimeout = streamIdle ?? TimeSpan.FromSeconds(60) },
    };

    private static void Post(Http2Harness h, int stream) =>
        h.Headers(stream, false, (":method", "POST"), (":scheme", "http"), (":path", "/up"), (":authority", "example.com"));

    private static List<Http2Harness.Received> Resets(Http2Harness h) => h.Read().Where(f => f.Header.Type == Http2FrameType.RstStream).ToList();

    [Fact]
    public void A_stream_waiting_for_its_body_is_reset_after_the_stream_idle_timeout()
    {
        Exception? failure = null;
        var h = new Http2Harness((request, response) => response.Aborted += e => failure = e, Options());
        Post(h, 1);
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(Resets(h));
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var reset = Assert.Single(Resets(h));
        Assert.Equal(1, reset.Header.StreamId);
        Assert.Equal(Http2ErrorCode.Cancel, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(reset.Payload));
        Assert.Equal(0, h.Protocol.ActiveStreams);
        Assert.Contains("StreamIdleTimeout", failure?.Message, StringComparison.Ordinal);
        Assert.False(h.Transport.Disconnecting);
    }

    [Fact]
    public void Each_frame_restarts_the_stream_idle_clock()
    {
        var h = new Http2Harness((request, response) => { }, Options());
        Post(h, 1);
        h.Clock.Advance(TimeSpan.FromSeconds(40));
        h.Data(1, "more", endStream: false);
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Empty(Resets(h));
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Single(Resets(h));
    }

    [Fact]
    public void A_stream_whose_handler_is_working_is_not_reset()
    {
        var h = new Http2Harness((request, response) => { }, Options());
        h.Get(1);
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(300));
        Assert.Empty(Resets(h));
        Assert.Equal(1, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void A_response_blocked_on_a_zero_window_is_reset_when_no_window_update_comes()
    {
        var h = new Http2Harness(
            (request, response) =>
            {
                response.Write("blocked by the window"u8);
                response.Finish();
            },
            Options(),
            handshake: false);
        h.Send(Http2ServerProtocol.Preface.ToArray());
        h.Settings((Http2SettingId.InitialWindowSize, 0));
        h.SettingsAck();
        h.Get(1);
        Assert.DoesNotContain(h.Read(), f => f.Header.Type == Http2FrameType.Data);
        h.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(Resets(h));
        Assert.Equal(0, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void A_zero_stream_idle_timeout_disables_it()
    {
        var h = new Http2Harness((request, response) => { }, Options(TimeSpan.Zero));
        Post(h, 1);
        h.Read();
        h.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(Resets(h));
    }

    private sealed class Connection
    {
        private readonly HpackEncoder _encoder = new();

        public Connection(HttpServerFactory factory)
        {
            Transport.ReportsConnectionLost = true;
            Protocol = (NegotiatingHttpProtocol)factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5000))!;
            Transport.Connect(Protocol);
            var w = new ArrayBufferWriter<byte>();
            w.Write(Http2ServerProtocol.Preface);
            Http2FrameWriter.WriteSettings(w, []);
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Settings, Http2FrameFlags.Ack, 0, default);
            Protocol.DataReceived(w.WrittenSpan);
        }

        public StringTransport Transport { get; } = new();

        public NegotiatingHttpProtocol Protocol { get; }

        public void Get(int stream)
        {
            var block = new ArrayBufferWriter<byte>();
            _encoder.BeginBlock(block);
            _encoder.Encode(block, ":method"u8, "GET"u8);
            _encoder.Encode(block, ":scheme"u8, "http"u8);
            _encoder.Encode(block, ":path"u8, "/"u8);
            _encoder.Encode(block, ":authority"u8, "example.com"u8);
            var w = new ArrayBufferWriter<byte>();
            Http2FrameWriter.WriteHeaders(w, stream, block.WrittenSpan, endStream: true, 16384);
            Protocol.DataReceived(w.WrittenSpan);
        }

        /// <summary>Acknowledges the PING the server sent with its first GOAWAY.</summary>
        public void AckPing()
        {
            var all = Transport.Value();
            var pos = 0;
            while (Http2FrameHeader.TryRead(all.AsSpan(pos), out var h) && all.Length - pos - 9 >= h.Length)
            {
                if (h.Type == Http2FrameType.Ping && !h.Has(Http2FrameFlags.Ack))
                {
                    var w = new ArrayBufferWriter<byte>();
                    Http2FrameWriter.WritePing(w, all.AsSpan(pos + 9, h.Length), ack: true);
                    Protocol.DataReceived(w.WrittenSpan);
                    return;
                }

                pos += 9 + h.Length;
            }

            Assert.Fail("The server sent no PING.");
        }

        public (int LastStream, Http2ErrorCode Code)? GoAway()
        {
            var all = Transport.Value();
            var pos = 0;
            (int, Http2ErrorCode)? found = null;
            while (Http2FrameHeader.TryRead(all.AsSpan(pos), out var h) && all.Length - pos - 9 >= h.Length)
            {
                if (h.Type == Http2FrameType.GoAway)
                {
                    found = Http2FrameReader.GoAway(all.AsSpan(pos + 9, h.Length));
                }

                pos += 9 + h.Length;
            }

            return found;
        }
    }

    [Fact]
    public void Shutdown_sends_goaway_lets_streams_in_flight_finish_then_closes()
    {
        var clock = new Clock();
        var responses = new List<HttpServerResponse>();
        var factory = new HttpServerFactory((request, response) => responses.Add(response), clock, Options());
        var c = new Connection(factory);
        c.Get(1);
        c.Get(3);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), clock);
        Assert.Equal((int.MaxValue, Http2ErrorCode.NoError), c.GoAway());
        Assert.False(done.Called);
        Assert.False(c.Transport.Disconnecting);

        // A stream the client opened before it saw the first GOAWAY is served.
        c.Get(5);
        Assert.Equal(3, responses.Count);

        // The PING's ACK: the final GOAWAY names stream 5; a stream opened after it is ignored; the three finish.
        c.AckPing();
        Assert.Equal((5, Http2ErrorCode.NoError), c.GoAway());
        c.Get(7);
        Assert.Equal(3, responses.Count);
        responses[0].Finish();
        responses[1].Finish();
        Assert.False(c.Transport.Disconnecting);
        responses[2].Finish();
        Assert.True(c.Transport.Disconnecting);
        Assert.True(done.Called);
    }

    [Fact]
    public void Shutdown_gives_up_waiting_after_its_timeout()
    {
        var clock = new Clock();
        var factory = new HttpServerFactory((request, response) => { }, clock, Options());
        var c = new Connection(factory);
        c.Get(1);
        var done = factory.Shutdown(TimeSpan.FromSeconds(5), clock);
        Assert.Equal((int.MaxValue, Http2ErrorCode.NoError), c.GoAway());

        // The client never answers the PING: the final GOAWAY comes after Http2Limits.ShutdownPingTimeout (1 s).
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((1, Http2ErrorCode.NoError), c.GoAway());
        clock.Advance(TimeSpan.FromSeconds(3.9));
        Assert.False(done.Called);
        Assert.False(c.Transport.Aborted);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(done.Called);
        Assert.True(c.Transport.Aborted);
    }

    [Fact]
    public void Shutdown_with_only_an_idle_http1_connection_closes_it_and_fires_at_once()
    {
        var clock = new Clock();
        var factory = new HttpServerFactory((request, response) => response.Finish(), clock, Options());
        var h1 = (NegotiatingHttpProtocol)factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5000))!;
        var transport = new StringTransport { ReportsConnectionLost = true };
        transport.Connect(h1);
        Assert.True(factory.Shutdown(TimeSpan.FromSeconds(5), clock).Called);
        Assert.True(transport.Disconnecting);
    }
}
