using System.Text;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Http;

public sealed class HttpServerProtocolTests
{
    private const string Get = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n";
    private const string HelloResponse = "HTTP/1.1 200 OK\r\nServer: Torsion\r\nDate: Wed, 25 Nov 2026 12:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";

    [Fact]
    public void Get_is_answered_with_Content_Length_Date_and_Server()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send(Get);
        Assert.Equal(HelloResponse, s.Output());
        Assert.False(s.Transport.Disconnecting);
    }

    [Fact]
    public void Keep_alive_connection_answers_several_requests()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send(Get);
        s.Send(Get);
        Assert.Equal(HelloResponse + HelloResponse, s.Output());
        Assert.False(s.Transport.Disconnecting);
    }

    [Fact]
    public void Pipelined_requests_in_one_read_are_answered_in_order()
    {
        var s = new ServerHarness((request, response) =>
        {
            response.Write(request.Path);
            response.Finish();
        });
        s.Send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        var output = s.Output();
        Assert.True(output.IndexOf("/1", StringComparison.Ordinal) < output.IndexOf("/2", StringComparison.Ordinal));
        Assert.True(output.IndexOf("/2", StringComparison.Ordinal) < output.IndexOf("/3", StringComparison.Ordinal));
        Assert.Equal(3, output.Split("HTTP/1.1 200 OK").Length - 1);
    }

    [Fact]
    public void Pipelined_requests_are_answered_in_order_when_the_first_finishes_last()
    {
        var handled = new List<string>();
        var clock = new Clock();
        var server = new ServerHarness((request, response) =>
        {
            var path = Encoding.ASCII.GetString(request.Path);
            handled.Add(path);
            if (path == "/slow")
            {
                clock.CallLater(TimeSpan.FromSeconds(1), () =>
                {
                    response.Write("slow"u8);
                    response.Finish();
                });
            }
            else
            {
                response.Write("fast"u8);
                response.Finish();
            }
        });
        server.Send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(["/slow"], handled);
        Assert.Equal("", server.Output());
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["/slow", "/fast"], handled);
        var output = server.Output();
        Assert.True(output.IndexOf("slow", StringComparison.Ordinal) < output.IndexOf("fast", StringComparison.Ordinal));
        Assert.EndsWith("fast", output);
    }

    [Fact]
    public void Body_longer_than_the_buffer_without_a_length_is_sent_chunked()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.Write("0123456789"u8);
            response.Write("abcdefghij"u8);
            response.Finish();
        }, new HttpServerOptions { ResponseBufferSize = 12, TimeProvider = new FixedTime(FixedTime.Moment) });
        s.Send(Get);
        var output = s.Output();
        Assert.Contains("Transfer-Encoding: chunked\r\n", output);
        Assert.DoesNotContain("Content-Length", output);
        Assert.EndsWith("\r\n\r\na\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", output);
    }

    [Fact]
    public void Flush_sends_the_head_and_goes_on_chunked()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.Write("part"u8);
            response.Flush();
            Assert.True(response.HeadersSent);
            response.Write("more"u8);
            response.Finish();
        });
        s.Send(Get);
        Assert.EndsWith("Transfer-Encoding: chunked\r\n\r\n4\r\npart\r\n4\r\nmore\r\n0\r\n\r\n", s.Output());
    }

    [Fact]
    public void Declared_length_is_sent_without_chunking()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.ContentLength = 8;
            response.Flush();
            response.Write("12345678"u8);
            response.Finish();
        });
        s.Send(Get);
        Assert.EndsWith("Content-Length: 8\r\n\r\n12345678", s.Output());
    }

    [Fact]
    public void Head_gets_the_length_but_no_body()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send("HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.EndsWith("Content-Length: 13\r\n\r\n", s.Output());
        s.Transport.Clear();
        s.Send(Get);
        Assert.EndsWith("Hello, World!", s.Output());
    }

    [Fact]
    public void Http10_connection_closes_after_the_response()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send("GET / HTTP/1.0\r\n\r\n");
        Assert.Contains("Connection: close\r\n", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Http10_keep_alive_is_honoured_and_announced()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        Assert.Contains("Connection: keep-alive\r\n", s.Output());
        Assert.False(s.Transport.Disconnecting);
    }

    [Fact]
    public void Http10_response_of_unknown_length_is_close_delimited()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.Flush();
            response.Write("abc"u8);
            response.Finish();
        });
        s.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var output = s.Output();
        Assert.DoesNotContain("chunked", output);
        Assert.Contains("Connection: close\r\n", output);
        Assert.EndsWith("\r\n\r\nabc", output);
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Client_asking_to_close_gets_its_connection_closed()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Contains("Connection: close\r\n", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Status_204_and_304_have_no_body_and_no_length()
    {
        foreach (var status in new[] { 204, 304 })
        {
            var s = new ServerHarness((_, response) =>
            {
                response.StatusCode = status;
                response.Write("ignored"u8);
                response.Finish();
            });
            s.Send(Get);
            var output = s.Output();
            Assert.StartsWith($"HTTP/1.1 {status} ", output);
            Assert.DoesNotContain("Content-Length", output);
            Assert.EndsWith("\r\n\r\n", output);
        }
    }

    private sealed class BodyRecorder : IHttpBodyReceiver
    {
        public MemoryStream Body { get; } = new();

        public bool Completed { get; private set; }

        public Exception? Failed { get; private set; }

        public Action<BodyRecorder>? OnData { get; set; }

        public void BodyDataReceived(ReadOnlySpan<byte> data)
        {
            Body.Write(data);
            OnData?.Invoke(this);
        }

        public void BodyCompleted() => Completed = true;

        public void BodyFailed(Exception reason) => Failed = reason;
    }

    [Fact]
    public void Request_body_is_delivered_to_the_receiver()
    {
        var body = new BodyRecorder();
        HttpServerResponse? held = null;
        var s = new ServerHarness((request, response) =>
        {
            request.ReadBody(body);
            held = response;
        });
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        Assert.Equal("hello", Encoding.ASCII.GetString(body.Body.ToArray()));
        Assert.False(body.Completed);
        s.Send("0\r\n\r\n");
        Assert.True(body.Completed);
        held!.Finish();
        Assert.StartsWith("HTTP/1.1 200 OK", s.Output());
    }

    [Fact]
    public void Expect_100_continue_is_answered_when_the_body_is_read()
    {
        var body = new BodyRecorder();
        var s = new ServerHarness((request, response) =>
        {
            request.ReadBody(body);
            response.Finish();
        });
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", s.Take());
        s.Send("abcGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", s.Output());
        Assert.Equal("abc", Encoding.ASCII.GetString(body.Body.ToArray()));
    }

    [Fact]
    public void Expect_100_continue_without_reading_the_body_answers_and_closes()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.StatusCode = 413;
            response.Finish();
        });
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        var output = s.Output();
        Assert.DoesNotContain("100 Continue", output);
        Assert.Contains("Connection: close", output);
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Unread_body_is_skipped_to_reach_the_next_request()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(HelloResponse + HelloResponse, s.Output());
    }

    [Fact]
    public void Body_not_read_yet_stops_the_connection_reading_above_the_buffer_limit()
    {
        var options = new HttpServerOptions { MaxRequestBufferSize = 1000, TimeProvider = new FixedTime(FixedTime.Moment) };
        IHttpBodyReceiver? later = null;
        HttpServerRequest? req = null;
        var s = new ServerHarness((request, _) => req = request, options);
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
        s.Send(new string('x', 800));
        Assert.Equal(ProducerState.Producing, s.Transport.ProducerState);
        s.Send(new string('x', 800));
        Assert.Equal(ProducerState.Paused, s.Transport.ProducerState);
        var body = new BodyRecorder();
        later = body;
        req!.ReadBody(later);
        Assert.Equal(1600, body.Body.Length);
        Assert.Equal(ProducerState.Producing, s.Transport.ProducerState);
    }

    [Fact]
    public void Paused_body_stops_delivery_until_resumed()
    {
        var options = new HttpServerOptions { MaxRequestBufferSize = 1000, TimeProvider = new FixedTime(FixedTime.Moment) };
        HttpServerRequest? req = null;
        var body = new BodyRecorder { OnData = b => req!.PauseBody() };
        var s = new ServerHarness((request, _) =>
        {
            req = request;
            request.ReadBody(body);
        }, options);
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n" + new string('x', 100));
        Assert.Equal(100, body.Body.Length);
        s.Send(new string('y', 1500));
        Assert.Equal(100, body.Body.Length);
        Assert.Equal(ProducerState.Paused, s.Transport.ProducerState);
        body.OnData = null;
        req!.ResumeBody();
        Assert.Equal(1600, body.Body.Length);
        Assert.Equal(ProducerState.Producing, s.Transport.ProducerState);
    }

    public static TheoryData<string, int> ParseErrors => new()
    {
        { "GET / HTTP/1.1\r\n\r\n", 400 },
        { "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
        { "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414 },
        { "GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('a', 40000) + "\r\n\r\n", 431 },
        { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\n\r\n", 413 },
        { "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "POST / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n", 417 },
        { "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(ParseErrors))]
    public void Malformed_request_gets_its_status_and_the_connection_closes(string request, int status)
    {
        var handled = false;
        var s = new ServerHarness((_, response) =>
        {
            handled = true;
            response.Finish();
        });
        s.Send(request);
        Assert.False(handled);
        var output = s.Output();
        Assert.StartsWith($"HTTP/1.1 {status} {HttpReasonPhrase.Get(status)}\r\n", output);
        Assert.Contains("Connection: close\r\n", output);
        Assert.Contains("text/html", output);
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Malformed_chunked_body_fails_the_receiver_and_answers_400()
    {
        var body = new BodyRecorder();
        var s = new ServerHarness((request, _) => request.ReadBody(body));
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        Assert.IsType<InvalidDataException>(body.Failed);
        Assert.StartsWith("HTTP/1.1 400 Bad Request", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Handler_that_throws_gets_a_500_and_the_connection_closes()
    {
        var s = new ServerHarness((_, _) => throw new InvalidOperationException("boom"));
        s.Send(Get);
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error", s.Output());
        Assert.DoesNotContain("boom", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Handler_that_throws_after_sending_the_head_aborts_the_connection()
    {
        var s = new ServerHarness((_, response) =>
        {
            response.Flush();
            throw new InvalidOperationException("boom");
        });
        s.Send(Get);
        Assert.True(s.Transport.Aborted);
    }

    [Fact]
    public void Slow_request_head_gets_408_after_the_header_timeout()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Clock.Advance(TimeSpan.FromSeconds(5));
        s.Send("GET / HTTP/1.1\r\nHost: a\r\n");
        s.Clock.Advance(TimeSpan.FromSeconds(29));
        s.Send("X-Slow: 1\r\n");
        Assert.False(s.Transport.Disconnecting);
        s.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.StartsWith("HTTP/1.1 408 Request Timeout", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Stalled_body_gets_408_after_the_body_timeout()
    {
        var body = new BodyRecorder();
        var s = new ServerHarness((request, _) => request.ReadBody(body));
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        s.Clock.Advance(TimeSpan.FromSeconds(20));
        s.Send("def");
        s.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(s.Transport.Disconnecting);
        s.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<TimeoutException>(body.Failed);
        Assert.StartsWith("HTTP/1.1 408 Request Timeout", s.Output());
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Paused_body_is_not_timed_out()
    {
        HttpServerRequest? req = null;
        var body = new BodyRecorder { OnData = _ => req!.PauseBody() };
        var s = new ServerHarness((request, _) =>
        {
            req = request;
            request.ReadBody(body);
        });
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        s.Clock.Advance(TimeSpan.FromSeconds(300));
        Assert.False(s.Transport.Disconnecting);
    }

    [Fact]
    public void Idle_keep_alive_connection_is_closed_after_the_idle_timeout()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        s.Clock.Advance(TimeSpan.FromSeconds(100));
        s.Send(Get);
        s.Transport.Clear();
        s.Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.False(s.Transport.Disconnecting);
        s.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(s.Transport.Disconnecting);
        Assert.Equal("", s.Output());
    }

    [Fact]
    public void Slow_handler_is_not_cut_by_the_idle_timeout()
    {
        HttpServerResponse? held = null;
        var s = new ServerHarness((_, response) => held = response);
        s.Send(Get);
        s.Clock.Advance(TimeSpan.FromSeconds(1000));
        Assert.False(s.Transport.Disconnecting);
        held!.Finish();
        Assert.StartsWith("HTTP/1.1 200 OK", s.Output());
        s.Clock.Advance(TimeSpan.FromSeconds(120));
        Assert.True(s.Transport.Disconnecting);
    }

    [Fact]
    public void Connection_lost_during_a_response_tells_the_application()
    {
        Exception? aborted = null;
        var body = new BodyRecorder();
        var s = new ServerHarness((request, response) =>
        {
            request.ReadBody(body);
            response.Aborted += e => aborted = e;
        });
        s.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        s.Transport.DeliverConnectionLost(new Torsion.Transports.ConnectionLostException("gone"));
        Assert.NotNull(aborted);
        Assert.NotNull(body.Failed);
        Assert.DoesNotContain(s.Clock.PendingCalls, c => c.Active);
    }

    [Fact]
    public void Header_values_with_CR_or_LF_are_refused()
    {
        var s = new ServerHarness((_, response) =>
        {
            Assert.Throws<ArgumentException>(() => response.AddHeader("X-A", "a\r\nSet-Cookie: evil=1"));
            Assert.Throws<ArgumentException>(() => response.AddHeader("X A", "1"));
            Assert.Throws<ArgumentException>(() => response.AddHeader("Transfer-Encoding", "chunked"));
            response.Finish();
        });
        s.Send(Get);
        Assert.StartsWith("HTTP/1.1 200 OK", s.Output());
    }

    [Fact]
    public void Date_follows_the_clock_of_the_options()
    {
        var time = new FixedTime(FixedTime.Moment);
        var s = new ServerHarness(ServerHarness.Hello, new HttpServerOptions { TimeProvider = time });
        s.Send(Get);
        Assert.Contains("Date: Wed, 25 Nov 2026 12:00:00 GMT\r\n", s.Take());
        time.Now = time.Now.AddSeconds(61);
        s.Send(Get);
        Assert.Contains("Date: Wed, 25 Nov 2026 12:01:01 GMT\r\n", s.Take());
    }

    [Fact]
    public void Plaintext_handler_allocates_nothing_per_request()
    {
        var s = new ServerHarness(ServerHarness.Hello);
        var request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n");
        var pipelined = Enumerable.Repeat(request, 16).SelectMany(b => b).ToArray();
        // 170 000 requests per window: one byte per request would show in every window.
        Assert.Equal(0, Allocations.LeastAllocatedBytes(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                s.Protocol.DataReceived(request);
                s.Protocol.DataReceived(pipelined);
                s.Transport.Clear();
            }
        }));
    }
}
