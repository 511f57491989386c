using System.Buffers.Binary;
using System.Text;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Server;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

public sealed class Http2ServerProtocolTests
{
    private static HttpServerOptions Opts(Http2Limits? limits = null) =>
        new() { TimeProvider = new FixedTime(FixedTime.Moment), Http2 = limits ?? Http2Limits.Default };

    [Fact]
    public void Server_sends_its_settings_and_acknowledges_the_clients()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        var frames = h.Read();
        Assert.Equal(Http2FrameType.Settings, frames[0].Header.Type);
        Assert.False(frames[0].Header.Has(Http2FrameFlags.Ack));
        Assert.Contains(frames, f => f.Header.Type == Http2FrameType.Settings && f.Header.Has(Http2FrameFlags.Ack));
        Assert.Contains(frames, f => f.Header.Type == Http2FrameType.WindowUpdate && f.Header.StreamId == 0);
    }

    [Fact]
    public void Get_is_answered_by_the_same_handler_as_http1()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Read();
        h.Get(1);
        var frames = h.Read();
        var headers = Assert.Single(frames, f => f.Header.Type == Http2FrameType.Headers);
        Assert.Equal("200", headers.Field(":status"));
        Assert.Equal("13", headers.Field("content-length"));
        Assert.Equal("text/plain", headers.Field("content-type"));
        var data = Assert.Single(frames, f => f.Header.Type == Http2FrameType.Data);
        Assert.Equal("Hello, World!", data.Text);
        Assert.True(data.Header.Has(Http2FrameFlags.EndStream));
        Assert.Equal(0, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void Request_head_carries_method_path_query_and_host_from_authority()
    {
        string? seen = null;
        var h = new Http2Harness((req, resp) =>
        {
            seen = $"{Encoding.ASCII.GetString(req.Method)} {Encoding.ASCII.GetString(req.Path)} {Encoding.ASCII.GetString(req.Query)} {req.Head.GetHeader("Host")} {req.Version} {req.Head.GetHeader("cookie")}";
            resp.Finish();
        });
        h.Get(1, "/a/b?x=1", ("cookie", "a=1"), ("cookie", "b=2"));
        Assert.Equal("GET /a/b x=1 example.com Http2 a=1; b=2", seen);
    }

    private sealed class Text(string text) : Resource
    {
        public override RenderResult RenderGet(Request request) => text + " " + request.ClientProtocol;
    }

    [Fact]
    public void Site_and_resources_are_served_unchanged()
    {
        var root = new Text("root");
        root.PutChild("child", new Text("child"));
        var site = new Site(root, new Torsion.Testing.Clock(), Opts());
        var h = new Http2Harness(site.Handler, site.Options);
        h.Read();
        h.Get(1, "/child");
        var frames = h.Read();
        Assert.Equal("200", frames.First(f => f.Header.Type == Http2FrameType.Headers).Field(":status"));
        Assert.Equal("child HTTP/2.0", string.Concat(frames.Where(f => f.Header.Type == Http2FrameType.Data).Select(f => f.Text)));
    }

    private sealed class Collect(StringBuilder into, Action done) : IHttpBodyReceiver
    {
        public void BodyDataReceived(ReadOnlySpan<byte> data) => into.Append(Encoding.UTF8.GetString(data));

        public void BodyCompleted() => done();

        public void BodyFailed(Exception reason) => into.Append("FAILED");
    }

    [Fact]
    public void Request_body_is_delivered_and_window_updates_follow_consumption()
    {
        var body = new StringBuilder();
        HttpServerRequest? request = null;
        var h = new Http2Harness((req, resp) =>
        {
            request = req;
            req.PauseBody();
            req.ReadBody(new Collect(body, () =>
            {
                resp.Write(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                resp.Finish();
            }));
        }, Opts(new Http2Limits { InitialStreamWindowSize = 65536, ConnectionWindowSize = 65536 * 4 }));
        h.Read();
        h.Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/up"), (":authority", "x"));
        var chunk = new string('a', 16000);
        h.Data(1, chunk, false);
        h.Data(1, chunk, false);
        Assert.Equal(0, body.Length);
        Assert.DoesNotContain(h.Read(), f => f.Header.Type == Http2FrameType.WindowUpdate);
        request!.ResumeBody();
        Assert.Equal(32000, body.Length);
        var updates = h.Read().Where(f => f.Header.Type == Http2FrameType.WindowUpdate).ToList();
        Assert.Contains(updates, f => f.Header.StreamId == 1);
        h.Data(1, "end", true);
        var data = h.Read().Single(f => f.Header.Type == Http2FrameType.Data);
        Assert.Equal("32003", data.Text);
    }

    [Fact]
    public void Data_beyond_the_stream_window_is_a_flow_control_error_on_the_stream()
    {
        var h = new Http2Harness((req, resp) => { }, Opts(new Http2Limits { InitialStreamWindowSize = 100 }));
        h.Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/"));
        h.Read();
        h.Data(1, new string('a', 101), false);
        var rst = h.Read().Single(f => f.Header.Type == Http2FrameType.RstStream);
        Assert.Equal(Http2ErrorCode.FlowControlError, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(rst.Payload));
    }

    [Fact]
    public void Response_data_waits_for_the_peers_window()
    {
        var h = new Http2Harness((req, resp) =>
        {
            resp.Write(new string('x', 100));
            resp.Finish();
        }, handshake: false);
        h.Send(Http2ServerProtocol.Preface.ToArray());
        h.Settings((Http2SettingId.InitialWindowSize, 10));
        h.Get(1);
        var data = h.Read().Where(f => f.Header.Type == Http2FrameType.Data).ToList();
        Assert.Equal(10, data.Sum(f => f.Payload.Length));
        Assert.DoesNotContain(data, f => f.Header.Has(Http2FrameFlags.EndStream));
        h.Frame(Http2FrameType.WindowUpdate, 0, 1, [0, 0, 0, 200]);
        data = h.Read().Where(f => f.Header.Type == Http2FrameType.Data).ToList();
        Assert.Equal(90, data.Sum(f => f.Payload.Length));
        Assert.True(data[^1].Header.Has(Http2FrameFlags.EndStream));
    }

    [Fact]
    public void Trailers_are_sent_after_the_body()
    {
        var h = new Http2Harness((req, resp) =>
        {
            Assert.True(resp.SupportsTrailers);
            resp.Write("body"u8);
            resp.AddTrailer("grpc-status", "0");
            resp.Finish();
        });
        h.Read();
        h.Get(1);
        var frames = h.Read();
        var last = frames[^1];
        Assert.Equal(Http2FrameType.Headers, last.Header.Type);
        Assert.True(last.Header.Has(Http2FrameFlags.EndStream));
        Assert.Equal("0", last.Field("grpc-status"));
        Assert.Equal("body", frames.Single(f => f.Header.Type == Http2FrameType.Data).Text);
    }

    [Fact]
    public void Ping_is_acknowledged_with_the_same_data()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Read();
        h.Frame(Http2FrameType.Ping, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
        var ping = h.Read().Single();
        Assert.Equal((Http2FrameType.Ping, Http2FrameFlags.Ack), (ping.Header.Type, ping.Header.Flags));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, ping.Payload);
    }

    [Fact]
    public void Streams_beyond_the_concurrency_limit_are_refused()
    {
        var h = new Http2Harness((req, resp) => { }, Opts(new Http2Limits { MaxConcurrentStreams = 2 }));
        h.Read();
        h.Get(1);
        h.Get(3);
        h.Get(5);
        var rst = h.Read().Single(f => f.Header.Type == Http2FrameType.RstStream);
        Assert.Equal(5, rst.Header.StreamId);
        Assert.Equal(Http2ErrorCode.RefusedStream, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(rst.Payload));
        Assert.Equal(2, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void Client_reset_fails_the_body_and_aborts_the_response()
    {
        var aborted = false;
        var body = new StringBuilder();
        var h = new Http2Harness((req, resp) =>
        {
            resp.Aborted += _ => aborted = true;
            req.ReadBody(new Collect(body, () => { }));
        });
        h.Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/"));
        h.Frame(Http2FrameType.RstStream, 0, 1, [0, 0, 0, 8]);
        Assert.True(aborted);
        Assert.Equal("FAILED", body.ToString());
        Assert.Equal(0, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void Missing_path_is_a_stream_error_and_the_connection_goes_on()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Read();
        h.Headers(1, true, (":method", "GET"), (":scheme", "http"));
        var rst = h.Read().Single();
        Assert.Equal((Http2FrameType.RstStream, 1), (rst.Header.Type, rst.Header.StreamId));
        h.Get(3);
        Assert.Contains(h.Read(), f => f.Header.Type == Http2FrameType.Data && f.Text == "Hello, World!");
    }

    [Theory]
    [InlineData("Content-Type", "x")]
    [InlineData("connection", "keep-alive")]
    [InlineData("te", "gzip")]
    [InlineData("x-a", " padded")]
    [InlineData(":status", "200")]
    public void Malformed_request_fields_are_stream_errors(string name, string value)
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Read();
        h.Headers(1, true, (":method", "GET"), (":scheme", "http"), (":path", "/"), (name, value));
        var rst = h.Read().Single();
        Assert.Equal(Http2FrameType.RstStream, rst.Header.Type);
        Assert.Equal(Http2ErrorCode.ProtocolError, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(rst.Payload));
    }

    [Fact]
    public void Content_length_mismatch_is_a_stream_error()
    {
        var h = new Http2Harness((req, resp) => req.ReadBody(new Collect(new StringBuilder(), () => { })));
        h.Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/"), ("content-length", "10"));
        h.Read();
        h.Data(1, "abc", true);
        Assert.Equal(Http2FrameType.RstStream, h.Read().Single().Header.Type);
    }

    [Fact]
    public void Bad_preface_is_a_protocol_error()
    {
        var h = new Http2Harness(Http2Harness.Hello, handshake: false);
        h.Send("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void First_frame_other_than_settings_is_a_protocol_error()
    {
        var h = new Http2Harness(Http2Harness.Hello, handshake: false);
        h.Send(Http2ServerProtocol.Preface.ToArray());
        h.Frame(Http2FrameType.Ping, 0, 0, new byte[8]);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void Frame_interrupting_a_header_block_is_a_protocol_error()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Frame(Http2FrameType.Headers, 0, 1, h.Block((":method", "GET")));
        h.Frame(Http2FrameType.Ping, 0, 0, new byte[8]);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void Header_block_split_over_continuations_is_assembled()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Read();
        var block = h.Block((":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "x"));
        h.Frame(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block.AsSpan(0, 2));
        h.Frame(Http2FrameType.Continuation, 0, 1, block.AsSpan(2, 2));
        h.Frame(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, block.AsSpan(4));
        Assert.Contains(h.Read(), f => f.Header.Type == Http2FrameType.Data && f.Text == "Hello, World!");
    }

    [Fact]
    public void Even_stream_id_is_a_protocol_error()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Get(2);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void Shutdown_with_a_zero_ping_timeout_sends_one_goaway_and_closes_after_open_streams_finish()
    {
        HttpServerResponse? pending = null;
        var options = new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment), Http2 = new Http2Limits { ShutdownPingTimeout = TimeSpan.Zero } };
        var h = new Http2Harness((req, resp) => pending = resp, options);
        h.Get(1);
        h.Read();
        h.Protocol.Shutdown();
        var goAway = Assert.Single(h.Read());
        Assert.Equal((1, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(goAway));
        Assert.False(h.Transport.Disconnecting);
        h.Get(3);
        Assert.Equal(1, h.Protocol.ActiveStreams);
        pending!.Finish();
        Assert.DoesNotContain(h.Read(), f => f.Header.Type is Http2FrameType.GoAway or Http2FrameType.Ping);
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void Idle_connection_is_closed_with_goaway_no_error()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Get(1);
        h.Clock.Advance(h.Options.IdleTimeout - TimeSpan.FromSeconds(1));
        h.Get(3);
        h.Clock.Advance(h.Options.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.False(h.Transport.Disconnecting);
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        h.AssertGoAway(Http2ErrorCode.NoError);
    }

    [Fact]
    public void Open_stream_keeps_the_connection_from_idling_out()
    {
        var h = new Http2Harness((req, resp) => { });
        h.Get(1);
        h.Clock.Advance(h.Options.IdleTimeout * 3);
        Assert.False(h.Transport.Disconnecting);
    }

    [Fact]
    public void Handler_exception_answers_500()
    {
        var h = new Http2Harness((req, resp) => throw new InvalidOperationException("boom"));
        h.Read();
        h.Get(1);
        Assert.Equal("500", h.Read().First(f => f.Header.Type == Http2FrameType.Headers).Field(":status"));
    }

    // Defences: each closes the connection with GOAWAY and the right code; a new connection is still served.

    [Fact]
    public void Rapid_reset_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness((req, resp) => { }, Opts(new Http2Limits { MaxResetsPerWindow = 50 }));
        for (var id = 1; id < 2000 && !h.Transport.Disconnecting; id += 2)
        {
            h.Get(id);
            h.Frame(Http2FrameType.RstStream, 0, id, [0, 0, 0, 8]);
        }

        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
        Assert.Equal(0, h.Protocol.ActiveStreams);
        StillHealthy();
    }

    [Fact]
    public void Resets_spread_over_time_are_allowed()
    {
        var h = new Http2Harness((req, resp) => { }, Opts(new Http2Limits { MaxResetsPerWindow = 50, ResetWindow = TimeSpan.FromSeconds(1) }));
        for (var id = 1; id < 400; id += 2)
        {
            h.Get(id);
            h.Frame(Http2FrameType.RstStream, 0, id, [0, 0, 0, 8]);
            h.Clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.False(h.Transport.Disconnecting);
    }

    [Fact]
    public void Continuation_flood_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Frame(Http2FrameType.Headers, 0, 1, h.Block((":method", "GET")));
        for (var i = 0; i < 1000 && !h.Transport.Disconnecting; i++)
        {
            h.Frame(Http2FrameType.Continuation, 0, 1, []);
        }

        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
        StillHealthy();
    }

    [Fact]
    public void Oversized_header_block_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Frame(Http2FrameType.Headers, 0, 1, h.Block((":method", "GET")));
        var big = new byte[16000];
        for (var i = 0; i < 10 && !h.Transport.Disconnecting; i++)
        {
            h.Frame(Http2FrameType.Continuation, 0, 1, big);
        }

        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
    }

    [Fact]
    public void Hpack_bomb_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Encoder.MaxIndexedValueLength = 1 << 20;
        var block = new List<byte>(h.Block((":method", "GET"), (":scheme", "http"), (":path", "/"), ("x-bomb", new string('a', 4000))));
        block.AddRange(Enumerable.Repeat((byte)0xBE, 8000));
        h.Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 1, block.ToArray());
        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
        StillHealthy();
    }

    [Fact]
    public void Header_list_over_the_limit_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello, Opts(new Http2Limits { MaxHeaderListSize = 1000 }));
        h.Headers(1, true, (":method", "GET"), (":scheme", "http"), (":path", "/"), ("x-big", new string('b', 1000)));
        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
    }

    [Fact]
    public void Malformed_hpack_is_a_compression_error()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, [0x80]);
        h.AssertGoAway(Http2ErrorCode.CompressionError);
    }

    [Fact]
    public void Settings_flood_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        for (var i = 0; i < 10000 && !h.Transport.Disconnecting; i++)
        {
            h.Settings();
        }

        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
        StillHealthy();
    }

    [Fact]
    public void Ping_flood_is_answered_with_enhance_your_calm()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        for (var i = 0; i < 10000 && !h.Transport.Disconnecting; i++)
        {
            h.Frame(Http2FrameType.Ping, 0, 0, new byte[8]);
        }

        h.AssertGoAway(Http2ErrorCode.EnhanceYourCalm);
        StillHealthy();
    }

    private static void StillHealthy()
    {
        var h = new Http2Harness(Http2Harness.Hello);
        h.Get(1);
        Assert.Contains(h.Read(), f => f.Header.Type == Http2FrameType.Data && f.Text == "Hello, World!");
    }
}
