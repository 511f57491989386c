using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Transports;
using Torsion.Web.Client;

namespace Torsion.Web.Tests.Client;

public sealed class AgentTests
{
    private readonly MemoryReactor _reactor = new();

    private Agent NewAgent(AgentOptions? options = null) => new(_reactor, options);

    private StringTransport Win(int index)
    {
        var record = _reactor.TcpClients[index];
        var transport = new StringTransport();
        transport.Connect(record.Factory.BuildProtocol(record.Destination)!);
        return transport;
    }

    private static void Answer(StringTransport transport, string text) => transport.Protocol!.DataReceived(Encoding.Latin1.GetBytes(text));

    private static T Result<T>(Deferred<T> deferred) => DeferredResults.SuccessResultOf(deferred);

    private static Exception Failure<T>(Deferred<T> deferred) => DeferredResults.FailureResultOf(deferred);

    [Fact]
    public void Get_writes_an_origin_form_request_with_host()
    {
        NewAgent().Request("GET", new Uri("http://127.0.0.1:8080/a/b?c=d"), new Headers().Add("X-Test", "1"));
        Assert.Equal("127.0.0.1", _reactor.TcpClients[0].Host);
        Assert.Equal(8080, _reactor.TcpClients[0].Port);
        var t = Win(0);
        Assert.Equal("GET /a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Test: 1\r\n\r\n", t.ValueString());
    }

    [Fact]
    public void Response_fires_with_the_head_and_the_body_is_read()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhel");
        var response = Result(d);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(5, response.Length);
        var text = response.Text();
        Assert.False(text.Called);
        Answer(t, "lo");
        Assert.Equal("hello", Result(text));
    }

    [Fact]
    public void Persistent_connection_is_reused_for_the_next_request()
    {
        var agent = NewAgent();
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        Assert.Equal("a", Encoding.ASCII.GetString(Result(Result(first).ReadBody())));
        t.Clear();
        var second = agent.Request("GET", new Uri("http://127.0.0.1/2"));
        Assert.Single(_reactor.TcpClients);
        Assert.StartsWith("GET /2 HTTP/1.1\r\n", t.ValueString());
        Answer(t, "HTTP/1.1 204 No Content\r\n\r\n");
        Assert.Equal(204, Result(second).StatusCode);
        Assert.Equal(1, agent.ConnectionsOpened);
    }

    [Fact]
    public void Connection_close_response_is_not_reused()
    {
        var agent = NewAgent();
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        Result(first);
        Assert.True(t.Disconnecting);
        agent.Request("GET", new Uri("http://127.0.0.1/2"));
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void Connection_is_pooled_only_after_its_body_is_read()
    {
        var agent = NewAgent(new AgentOptions { MaxConnectionsPerHost = 1 });
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab");
        Result(first);
        var second = agent.Request("GET", new Uri("http://127.0.0.1/2"));
        Assert.False(second.Called);
        Assert.Single(_reactor.TcpClients);
        t.Clear();
        Answer(t, "cd");
        Assert.StartsWith("GET /2 HTTP/1.1\r\n", t.ValueString());
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(200, Result(second).StatusCode);
    }

    [Fact]
    public void Idle_connection_closes_after_the_idle_timeout()
    {
        var agent = NewAgent(new AgentOptions { IdleTimeout = TimeSpan.FromSeconds(5) });
        var d = agent.Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Result(d);
        Assert.False(t.Disconnecting);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(t.Disconnecting);
    }

    [Fact]
    public void Response_timeout_fails_the_request_and_aborts()
    {
        var d = NewAgent(new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(3) }).Request("GET", new Uri("http://127.0.0.1/slow"));
        var t = Win(0);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(3));
        var error = Assert.IsType<TimeoutException>(Failure(d));
        Assert.Equal("No response to GET http://127.0.0.1/slow within 3 s.", error.Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Response_timeout_of_a_reused_connection_counts_from_its_own_request()
    {
        var agent = NewAgent(new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(3) });
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(2));
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Result(Result(first).ReadBody());
        var second = agent.Request("GET", new Uri("http://127.0.0.1/2"));
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1)); // 3 s after the first request, 1 s after the second
        Assert.False(t.Aborted);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(t.Aborted);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("No response to GET http://127.0.0.1/2 within 3 s.", Assert.IsType<TimeoutException>(Failure(second)).Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Idle_connection_is_not_timed_out_by_the_response_timer()
    {
        var agent = NewAgent(new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(3), IdleTimeout = TimeSpan.FromSeconds(60) });
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Result(Result(first).ReadBody());
        _reactor.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(t.Aborted);
        Assert.False(t.Disconnecting);
    }

    [Fact]
    public void Body_of_known_length_above_the_preallocation_limit_is_read_whole()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        var body = Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)(i * 7)).ToArray();
        Answer(t, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n");
        var read = Result(d).ReadBody();
        for (var i = 0; i < body.Length; i += 100_000)
        {
            t.Protocol!.DataReceived(body.AsSpan(i, Math.Min(100_000, body.Length - i)));
        }

        Assert.Equal(body, Result(read));
    }

    [Fact]
    public void Empty_body_of_known_length_reads_as_an_empty_array()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        Answer(Win(0), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.Empty(Result(Result(d).ReadBody()));
    }

    [Fact]
    public void Connect_timeout_is_passed_to_the_connection_attempt()
    {
        NewAgent(new AgentOptions { ConnectTimeout = TimeSpan.FromSeconds(7) }).Request("GET", new Uri("http://127.0.0.1/"));
        Assert.Equal(TimeSpan.FromSeconds(7), _reactor.TcpClients[0].Timeout);
    }

    [Fact]
    public void Idempotent_request_is_retried_once_when_a_reused_connection_closes_before_any_response()
    {
        var agent = NewAgent();
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Result(first);
        var second = agent.Request("GET", new Uri("http://127.0.0.1/2"));
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal(2, _reactor.TcpClients.Count);
        var t2 = Win(1);
        Assert.StartsWith("GET /2 HTTP/1.1\r\n", t2.ValueString());
        Answer(t2, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(200, Result(second).StatusCode);
    }

    [Fact]
    public void Post_is_not_retried_on_a_reused_connection()
    {
        var agent = NewAgent();
        var first = agent.Request("GET", new Uri("http://127.0.0.1/1"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Result(first);
        var second = agent.Request("POST", new Uri("http://127.0.0.1/2"));
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.IsType<ResponseNeverReceivedException>(Failure(second));
        Assert.Single(_reactor.TcpClients);
    }

    [Fact]
    public void Fresh_connection_closing_before_a_response_fails_without_retry()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        t.DeliverConnectionLost(new ConnectionLostException("reset"));
        Assert.IsType<ResponseNeverReceivedException>(Failure(d));
        Assert.Single(_reactor.TcpClients);
    }

    [Fact]
    public void Body_of_known_length_is_sent_with_content_length()
    {
        NewAgent().Request("PUT", new Uri("http://127.0.0.1/x"), null, new BytesBodyProducer("hello"u8.ToArray()));
        var t = Win(0);
        Assert.Equal("PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello", t.ValueString());
    }

    [Fact]
    public void Body_of_unknown_length_is_sent_chunked()
    {
        var producer = new UnknownLength();
        NewAgent().Request("POST", new Uri("http://127.0.0.1/x"), null, producer);
        var t = Win(0);
        producer.Consumer!.Write("abc"u8);
        producer.Consumer.Write("defghijklmnopqr"u8);
        producer.Done.Callback(Unit.Value);
        Assert.Equal("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nf\r\ndefghijklmnopqr\r\n0\r\n\r\n", t.ValueString());
    }

    private sealed class UnknownLength : IBodyProducer
    {
        public IConsumer? Consumer { get; private set; }

        public Deferred<Unit> Done { get; } = new();

        public long? Length => null;

        public Deferred<Unit> StartProducing(IConsumer consumer)
        {
            Consumer = consumer;
            return Done;
        }

        public void PauseProducing()
        {
        }

        public void ResumeProducing()
        {
        }

        public void StopProducing()
        {
        }
    }

    private sealed class Pausing : Protocol
    {
        public StringBuilder Text { get; } = new();

        public Exception? Reason { get; private set; }

        public override void ConnectionMade() => Transport.PauseProducing();

        public override void DataReceived(ReadOnlySpan<byte> data) => Text.Append(Encoding.ASCII.GetString(data));

        public override void ConnectionLost(Exception reason) => Reason = reason;
    }

    [Fact]
    public void Pausing_the_body_protocol_pauses_the_connection()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        var body = new Pausing();
        Result(d).DeliverBody(body);
        Assert.Equal(ProducerState.Paused, t.ProducerState);
        Assert.Equal("abc", body.Text.ToString());
        body.Transport.ResumeProducing();
        Assert.Equal(ProducerState.Producing, t.ProducerState);
        Answer(t, "0\r\n\r\n");
        Assert.IsType<ResponseDoneException>(body.Reason);
    }

    [Fact]
    public void Undelivered_body_beyond_the_buffer_limit_pauses_the_connection()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + new string('x', 70_000));
        var response = Result(d);
        Assert.Equal(ProducerState.Paused, t.ProducerState);
        var read = response.ReadBody();
        Assert.Equal(ProducerState.Producing, t.ProducerState);
        Answer(t, new string('y', 130_000));
        Assert.Equal(200_000, Result(read).Length);
    }

    [Fact]
    public void Body_larger_than_the_read_limit_fails_and_aborts()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + new string('x', 100));
        var error = Failure(Result(d).ReadBody(maxSize: 10));
        Assert.Equal("The body of 200 OK for GET http://127.0.0.1/ is larger than 10 bytes.", error.Message);
    }

    [Fact]
    public void Body_can_be_delivered_once()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var response = Result(d);
        response.ReadBody();
        Assert.Throws<InvalidOperationException>(() => response.ReadBody());
    }

    [Fact]
    public void Malformed_response_fails_the_request()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
        var error = Assert.IsType<ResponseFailedException>(Failure(d));
        Assert.Equal("The response to GET http://127.0.0.1/ is malformed: The response has both Content-Length and Transfer-Encoding (a sign of response smuggling).", error.Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Malformed_trailer_fails_the_reader_and_the_connection_is_not_reused()
    {
        var agent = NewAgent();
        var d = agent.Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nnot a field\r\n\r\n");
        var error = Assert.IsType<ResponseFailedException>(Failure(Result(d).ReadBody()));
        Assert.Equal("The response to GET http://127.0.0.1/ is malformed: A trailer field name has a character that is not allowed in a token.", error.Message);
        Assert.True(t.Aborted);
        t.DeliverConnectionLost(new ConnectionLostException());
        agent.Request("GET", new Uri("http://127.0.0.1/again"));
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void Truncated_body_fails_the_reader()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        var read = Result(d).ReadBody();
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.IsType<ResponseFailedException>(Failure(read));
    }

    [Fact]
    public void Close_delimited_body_ends_at_the_close()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.0 200 OK\r\n\r\nall of it");
        var read = Result(d).ReadBody();
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal("all of it", Encoding.ASCII.GetString(Result(read)));
    }

    [Fact]
    public void Interim_response_is_skipped()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(200, Result(d).StatusCode);
    }

    [Fact]
    public void Requests_beyond_the_per_host_limit_wait_for_a_connection()
    {
        var agent = NewAgent(new AgentOptions { MaxConnectionsPerHost = 2 });
        var ds = Enumerable.Range(0, 3).Select(i => agent.Request("GET", new Uri($"http://127.0.0.1/{i}"))).ToList();
        Assert.Equal(2, _reactor.TcpClients.Count);
        var t0 = Win(0);
        Win(1);
        t0.Clear();
        Answer(t0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("GET /2 ", t0.ValueString());
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void Json_reads_the_body_into_a_type()
    {
        var d = NewAgent().Request("GET", new Uri("http://127.0.0.1/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n{\"name\":\"x\",\"count\":3}");
        var value = Result(Result(d).Json<Item>());
        Assert.Equal(new Item("x", 3), value);
    }

    public sealed record Item(string Name, int Count);

    [Fact]
    public void Non_http_uri_is_refused()
    {
        var error = Failure(NewAgent().Request("GET", new Uri("ftp://127.0.0.1/")));
        Assert.Equal("The URI 'ftp://127.0.0.1/' is not an absolute http or https URI. (Parameter 'uri')", error.Message);
    }

    [Fact]
    public void Header_injection_is_refused() =>
        Assert.Throws<ArgumentException>(() => new Headers().Add("X-A", "1\r\nX-B: 2"));

    [Fact]
    public void Proxy_agent_sends_absolute_form_to_the_proxy()
    {
        new ProxyAgent(_reactor, new Uri("http://127.0.0.2:3128")).Request("GET", new Uri("http://127.0.0.1:8080/p?q=1"));
        Assert.Equal("127.0.0.2", _reactor.TcpClients[0].Host);
        Assert.Equal(3128, _reactor.TcpClients[0].Port);
        var t = Win(0);
        Assert.Equal("GET http://127.0.0.1:8080/p?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", t.ValueString());
    }
}
