using System.Buffers.Binary;
using System.Text;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

/// <summary>The HTTP/2 client protocol on a StringTransport, against a scripted server.</summary>
public sealed class Http2ClientProtocolTests
{
    private static T Result<T>(Deferred<T> deferred) => DeferredResults.SuccessResultOf(deferred);

    private static Exception Failure<T>(Deferred<T> deferred) => DeferredResults.FailureResultOf(deferred);

    [Fact]
    public void The_connection_starts_with_the_preface_and_settings_that_disable_push()
    {
        var h = new Http2ClientHarness(handshake: false);
        var settings = h.Read().First();
        Assert.Equal(Http2FrameType.Settings, settings.Header.Type);
        var found = false;
        for (var i = 0; i < settings.Payload.Length / 6; i++)
        {
            var (id, value) = Http2FrameReader.Setting(settings.Payload, i);
            if (id == Http2SettingId.EnablePush)
            {
                found = value == 0;
            }
        }

        Assert.True(found, "SETTINGS_ENABLE_PUSH 0 was not sent.");
    }

    [Fact]
    public void Server_settings_and_pings_are_acknowledged()
    {
        var h = new Http2ClientHarness();
        Assert.Contains(h.Read(), f => f.Header.Type == Http2FrameType.Settings && f.Header.Has(Http2FrameFlags.Ack));
        h.Frame(Http2FrameType.Ping, 0, 0, "12345678"u8);
        var ping = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.Ping);
        Assert.True(ping.Header.Has(Http2FrameFlags.Ack));
        Assert.Equal("12345678", ping.Text);
    }

    [Fact]
    public void A_get_sends_the_pseudo_headers_and_ends_the_stream()
    {
        var h = new Http2ClientHarness();
        h.Read();
        h.Request("GET", "/a?b=1", headers: new Headers().Add("X-Thing", "yes").Add("Connection", "keep-alive"));
        var headers = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.Headers);
        Assert.Equal(1, headers.Header.StreamId);
        Assert.True(headers.Header.Has(Http2FrameFlags.EndStream));
        Assert.Equal(("method", "GET", "https", "example.com", "/a?b=1"), ("method", headers.Field(":method"), headers.Field(":scheme"), headers.Field(":authority"), headers.Field(":path")));
        Assert.Equal("yes", headers.Field("x-thing"));
        Assert.Null(headers.Field("connection"));
    }

    [Fact]
    public void The_response_head_and_body_arrive_as_with_http1()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1, 200, false, ("content-type", "text/plain"), ("content-length", "5"));
        var response = Result(d);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(HttpProtocolVersion.Http2, response.Version);
        Assert.Equal("text/plain", response.Headers.Get("Content-Type"));
        Assert.Equal(5, response.Length);
        var text = response.Text();
        h.Data(1, "hel", false);
        h.Data(1, "lo", true);
        Assert.Equal("hello", Result(text));
        Assert.Equal(0, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void Concurrent_requests_use_odd_increasing_streams_on_one_connection()
    {
        var h = new Http2ClientHarness();
        h.Read();
        var all = Enumerable.Range(0, 10).Select(i => h.Request("GET", $"/{i}")).ToList();
        var ids = h.Read().Where(f => f.Header.Type == Http2FrameType.Headers).Select(f => f.Header.StreamId).ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (2 * i) + 1), ids);

        // Answered out of order.
        for (var i = 9; i >= 0; i--)
        {
            h.Respond((2 * i) + 1, 200, false);
            h.Data((2 * i) + 1, $"r{i}", true);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal($"r{i}", Result(Result(all[i]).Text()));
        }
    }

    [Fact]
    public void Requests_beyond_max_concurrent_streams_wait_for_a_free_stream()
    {
        var h = new Http2ClientHarness();
        h.Settings((Http2SettingId.MaxConcurrentStreams, 2));
        h.Read();
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        var c = h.Request("GET", "/c");
        Assert.Equal(2, h.Read().Count(f => f.Header.Type == Http2FrameType.Headers));
        Assert.Equal(1, h.Protocol.Waiting);
        h.Respond(1, 204, true);
        Assert.Equal(204, Result(a).StatusCode);
        var third = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.Headers);
        Assert.Equal(5, third.Header.StreamId);
        Assert.Equal("/c", third.Field(":path"));
        Assert.False(b.Called);
        Assert.False(c.Called);
    }

    [Fact]
    public void Free_streams_load_and_the_capacity_and_settings_callbacks_follow_the_server_limit()
    {
        var h = new Http2ClientHarness(handshake: false);
        var ready = 0;
        var freed = 0;
        h.Protocol.SettingsReady = _ => ready++;
        h.Protocol.CapacityFreed = _ => freed++;
        h.Settings((Http2SettingId.MaxConcurrentStreams, 1));
        Assert.Equal((1, 0), (ready, freed));
        Assert.True(h.Protocol.HasFreeStream);
        h.Request("GET", "/a");
        h.Request("GET", "/b");
        Assert.False(h.Protocol.HasFreeStream);
        Assert.Equal(2, h.Protocol.Load);

        // A later SETTINGS raising the limit: the queued request takes the new stream, then the pool hears of it.
        h.Settings((Http2SettingId.MaxConcurrentStreams, 3));
        Assert.Equal((1, 1), (ready, freed));
        Assert.Equal(0, h.Protocol.Waiting);
        Assert.True(h.Protocol.HasFreeStream);
        h.Respond(1, 204, true);
        Assert.Equal(2, freed);
        Assert.Equal(1, h.Protocol.Load);

        h.GoAway(3, Http2ErrorCode.NoError);
        Assert.False(h.Protocol.HasFreeStream);
    }

    [Fact]
    public void A_paused_reader_withholds_window_updates_so_the_server_stops()
    {
        var h = new Http2ClientHarness(new AgentOptions { Http2 = new Http2Limits { InitialStreamWindowSize = 4096, ConnectionWindowSize = 65535 } });
        var d = h.Request("GET", "/");
        h.Respond(1);
        var reader = new Http2ClientHarness.Reader();
        Result(d).DeliverBody(reader);
        reader.Transport.PauseProducing();
        h.Read();
        h.Data(1, new byte[2048], false);
        Assert.Equal(0, reader.Bytes.Length);
        Assert.DoesNotContain(h.Read(), f => f.Header.Type == Http2FrameType.WindowUpdate);

        // More than the window: a flow-control error for this stream only.
        h.Data(1, new byte[2048], false);
        h.Data(1, new byte[1], false);
        var reset = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream);
        Assert.Equal(Http2ErrorCode.FlowControlError, Http2ClientHarness.Code(reset));
        Assert.Equal(0, reader.Bytes.Length);
        Assert.IsType<ResponseFailedException>(reader.Ended);
    }

    [Fact]
    public void Resuming_a_paused_reader_delivers_and_credits_the_windows()
    {
        var h = new Http2ClientHarness(new AgentOptions { Http2 = new Http2Limits { InitialStreamWindowSize = 4096, ConnectionWindowSize = 65535 } });
        var d = h.Request("GET", "/");
        h.Respond(1);
        var reader = new Http2ClientHarness.Reader();
        Result(d).DeliverBody(reader);
        reader.Transport.PauseProducing();
        h.Data(1, new byte[3000], false);
        h.Read();
        reader.Transport.ResumeProducing();
        Assert.Equal(3000, reader.Bytes.Length);
        var update = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.WindowUpdate && f.Header.StreamId == 1);
        Assert.Equal(3000, BinaryPrimitives.ReadInt32BigEndian(update.Payload));
        h.Data(1, "", true);
        Assert.IsType<ResponseDoneException>(reader.Ended);
    }

    [Fact]
    public void A_request_body_is_sent_within_the_servers_window()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Settings((Http2SettingId.InitialWindowSize, 10));
        h.Read();
        var d = h.Request("POST", "/echo", new BytesBodyProducer(Encoding.ASCII.GetBytes("0123456789abcdefghij")));
        var frames = h.Read();
        var headers = Assert.Single(frames, f => f.Header.Type == Http2FrameType.Headers);
        Assert.False(headers.Header.Has(Http2FrameFlags.EndStream));
        Assert.Equal("20", headers.Field("content-length"));
        Assert.Equal("0123456789", string.Concat(frames.Where(f => f.Header.Type == Http2FrameType.Data).Select(f => f.Text)));
        h.WindowUpdate(1, 10);
        frames = h.Read();
        Assert.Equal("abcdefghij", string.Concat(frames.Where(f => f.Header.Type == Http2FrameType.Data).Select(f => f.Text)));
        Assert.True(frames.Last().Header.Has(Http2FrameFlags.EndStream));
        h.Respond(1, 200, true);
        Assert.Equal(200, Result(d).StatusCode);
    }

    [Fact]
    public void The_connection_window_holds_back_request_bodies_too()
    {
        var h = new Http2ClientHarness();
        h.Read();
        h.Request("POST", "/", new BytesBodyProducer(new byte[70000]));
        var sent = h.Read().Where(f => f.Header.Type == Http2FrameType.Data).Sum(f => f.Payload.Length);
        Assert.Equal(65535, sent);
        h.WindowUpdate(0, 10000);
        h.WindowUpdate(1, 10000);
        var rest = h.Read().Where(f => f.Header.Type == Http2FrameType.Data).ToList();
        Assert.Equal(70000 - 65535, rest.Sum(f => f.Payload.Length));
        Assert.True(rest.Last().Header.Has(Http2FrameFlags.EndStream));
    }

    [Fact]
    public void Trailers_are_exposed_when_the_body_ends()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1);
        var response = Result(d);
        var body = response.Text();
        h.Data(1, "body", false);
        h.Headers(1, true, ("x-checksum", "42"));
        Assert.Equal("body", Result(body));
        Assert.Equal("42", response.Trailers.Get("X-Checksum"));
    }

    [Fact]
    public void Trailers_without_end_stream_reset_the_stream()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1);
        var body = Result(d).Text();
        h.Read();
        h.Headers(1, false, ("x-checksum", "42"));
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ClientHarness.Code(Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream)));
        Assert.IsType<ResponseFailedException>(Failure(body));
    }

    [Fact]
    public void A_reset_from_the_server_fails_the_request_and_the_connection_goes_on()
    {
        var h = new Http2ClientHarness();
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        h.Reset(1, Http2ErrorCode.InternalError);
        var error = Assert.IsType<ResponseFailedException>(Failure(a));
        Assert.Contains("InternalError", error.Message, StringComparison.Ordinal);
        h.Respond(3, 200, true);
        Assert.Equal(200, Result(b).StatusCode);
        Assert.True(h.Protocol.IsUsable);
    }

    [Fact]
    public void A_refused_stream_is_not_processed_and_may_be_retried()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Reset(1, Http2ErrorCode.RefusedStream);
        Assert.IsType<RequestNotProcessedException>(Failure(d));
    }

    [Fact]
    public void A_reset_in_the_middle_of_a_body_fails_the_reader()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1);
        var reader = new Http2ClientHarness.Reader();
        Result(d).DeliverBody(reader);
        h.Data(1, "part", false);
        h.Reset(1, Http2ErrorCode.Cancel);
        Assert.Equal("part", reader.Text);
        Assert.IsType<ResponseFailedException>(reader.Ended);
    }

    [Fact]
    public void Goaway_mid_flight_fails_unprocessed_streams_as_retryable_and_finishes_the_others()
    {
        var h = new Http2ClientHarness();
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        var c = h.Request("GET", "/c");
        h.GoAway(3, Http2ErrorCode.NoError);
        Assert.IsType<RequestNotProcessedException>(Failure(c));
        Assert.False(h.Protocol.IsUsable);
        Assert.IsType<RequestNotProcessedException>(Failure(h.Request("GET", "/d")));
        h.Respond(1, 200, true);
        h.Respond(3, 200, true);
        Assert.Equal(200, Result(a).StatusCode);
        Assert.Equal(200, Result(b).StatusCode);
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void Goaway_fails_queued_requests_as_not_processed()
    {
        var h = new Http2ClientHarness();
        h.Settings((Http2SettingId.MaxConcurrentStreams, 1));
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        h.GoAway(1, Http2ErrorCode.NoError);
        Assert.IsType<RequestNotProcessedException>(Failure(b));
        Assert.False(a.Called);
    }

    [Fact]
    public void Cancelling_a_request_resets_its_stream()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Read();
        d.Cancel();
        var reset = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream);
        Assert.Equal(Http2ErrorCode.Cancel, Http2ClientHarness.Code(reset));
        Assert.Equal(0, h.Protocol.ActiveStreams);

        // A late answer on the reset stream is ignored; the HPACK context stays in step.
        h.Respond(1, 200, true, ("x-late", "yes"));
        var next = h.Request("GET", "/next");
        h.Respond(3, 200, true, ("x-late", "yes"));
        Assert.Equal("yes", Result(next).Headers.Get("x-late"));
    }

    [Fact]
    public void Stopping_a_body_reader_resets_the_stream()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1);
        var reader = new Http2ClientHarness.Reader();
        Result(d).DeliverBody(reader);
        h.Read();
        reader.Transport.StopProducing();
        Assert.Equal(Http2ErrorCode.Cancel, Http2ClientHarness.Code(Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream)));
        Assert.IsType<ResponseFailedException>(reader.Ended);
    }

    [Fact]
    public void No_response_within_the_timeout_resets_the_stream()
    {
        var h = new Http2ClientHarness(new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(5) });
        var d = h.Request("GET", "/");
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.IsType<TimeoutException>(Failure(d));
        Assert.Equal(Http2ErrorCode.Cancel, Http2ClientHarness.Code(Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream)));
        Assert.True(h.Protocol.IsUsable);
    }

    [Fact]
    public void An_idle_connection_closes_after_the_idle_timeout()
    {
        var h = new Http2ClientHarness(new AgentOptions { IdleTimeout = TimeSpan.FromSeconds(60) });
        var d = h.Request("GET", "/");
        h.Respond(1, 204, true);
        Result(d);
        h.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(h.Transport.Disconnecting);
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        h.AssertGoAway(Http2ErrorCode.NoError);
    }

    [Fact]
    public void Informational_responses_are_skipped()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1, 103, false, ("link", "</s.css>"));
        Assert.False(d.Called);
        h.Respond(1, 200, true);
        Assert.Equal(200, Result(d).StatusCode);
    }

    [Fact]
    public void A_response_without_status_resets_the_stream()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Read();
        h.Headers(1, true, ("content-type", "text/plain"));
        Assert.Equal(Http2ErrorCode.ProtocolError, Http2ClientHarness.Code(Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream)));
        Assert.Contains("no :status", Failure(d).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":path", "/", "is not a response pseudo-header field")]
    [InlineData("Content-Type", "x", "is not a lowercase token")]
    [InlineData("transfer-encoding", "chunked", "connection-specific")]
    public void A_malformed_response_head_resets_the_stream(string name, string value, string expected)
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Headers(1, true, (":status", "200"), (name, value));
        Assert.Contains(expected, Failure(d).Message, StringComparison.Ordinal);
        Assert.True(h.Protocol.IsUsable);
    }

    [Fact]
    public void A_body_longer_than_its_content_length_resets_the_stream()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Respond(1, 200, false, ("content-length", "2"));
        var body = Result(d).Text();
        h.Data(1, "abc", true);
        Assert.IsType<ResponseFailedException>(Failure(body));
    }

    [Fact]
    public void Data_on_stream_zero_is_a_connection_error()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Frame(Http2FrameType.Data, 0, 0, "x"u8);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
        Assert.Contains("ProtocolError", Failure(d).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_push_promise_is_a_connection_error()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Frame(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, new byte[] { 0, 0, 0, 2, 0x82 });
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
        Assert.IsType<ResponseFailedException>(Failure(d));
    }

    [Fact]
    public void Headers_on_an_idle_stream_is_a_connection_error()
    {
        var h = new Http2ClientHarness();
        h.Respond(7, 200, true);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void A_server_opened_even_stream_is_a_connection_error()
    {
        var h = new Http2ClientHarness();
        h.Respond(2, 200, true);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void A_broken_hpack_block_is_a_compression_error()
    {
        var h = new Http2ClientHarness();
        var d = h.Request("GET", "/");
        h.Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F });
        h.AssertGoAway(Http2ErrorCode.CompressionError);
        Assert.IsType<ResponseFailedException>(Failure(d));
    }

    [Fact]
    public void A_first_frame_other_than_settings_is_a_connection_error()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Frame(Http2FrameType.Ping, 0, 0, "12345678"u8);
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public void A_window_overflow_is_a_flow_control_error()
    {
        var h = new Http2ClientHarness();
        h.WindowUpdate(0, int.MaxValue);
        h.AssertGoAway(Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public void Losing_the_connection_fails_open_and_queued_requests()
    {
        var h = new Http2ClientHarness();
        h.Settings((Http2SettingId.MaxConcurrentStreams, 1));
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        h.Protocol.ConnectionLost(new Torsion.Transports.ConnectionLostException("gone"));
        Assert.IsType<ResponseNeverReceivedException>(Failure(a));
        Assert.IsType<RequestNotProcessedException>(Failure(b));
        Assert.False(h.Protocol.IsUsable);
    }

    [Fact]
    public void A_complete_response_stops_the_request_body()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Settings((Http2SettingId.InitialWindowSize, 10));
        var d = h.Request("POST", "/", new BytesBodyProducer(new byte[100]));
        h.Read();
        h.Respond(1, 413, true);
        Assert.Equal(413, Result(d).StatusCode);
        Assert.Equal(Http2ErrorCode.NoError, Http2ClientHarness.Code(Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.RstStream)));
        h.WindowUpdate(0, 1000);
        Assert.DoesNotContain(h.Read(), f => f.Header.Type == Http2FrameType.Data);
        Assert.Equal(0, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void A_request_waiting_for_a_stream_times_out_too()
    {
        var h = new Http2ClientHarness(new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(5) });
        h.Settings((Http2SettingId.MaxConcurrentStreams, 0));
        var d = h.Request("GET", "/");
        Assert.Equal(1, h.Protocol.Waiting);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.IsType<TimeoutException>(Failure(d));
        Assert.Equal(0, h.Protocol.Waiting);
    }

    [Fact]
    public void Cancelling_a_queued_request_removes_it_from_the_queue()
    {
        var h = new Http2ClientHarness();
        h.Settings((Http2SettingId.MaxConcurrentStreams, 1));
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        b.Cancel();
        Assert.Equal(0, h.Protocol.Waiting);
        h.Respond(1, 204, true);
        Assert.Equal(204, Result(a).StatusCode);
        Assert.DoesNotContain(h.Read(), f => f.Header.Type == Http2FrameType.Headers && f.Header.StreamId == 3);
    }

    [Fact]
    public void An_http1_answer_to_prior_knowledge_is_a_clear_error()
    {
        var h = new Http2ClientHarness(handshake: false);
        var d = h.Request("GET", "/");
        h.Send(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        h.AssertGoAway(Http2ErrorCode.ProtocolError);
        Assert.Contains("does not speak HTTP/2", Failure(d).Message, StringComparison.Ordinal);
    }
}
