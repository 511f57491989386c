using System.Globalization;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Transports;
using Torsion.Web.Client;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http2;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// <see cref="AgentOptions.Http2MultipleConnections"/> on a MemoryReactor: more HTTP/2 connections per host when the
/// server's stream limit is reached, bounded by <see cref="AgentOptions.MaxConnectionsPerHost"/>; scripted servers.
/// </summary>
public sealed class AgentHttp2MultipleConnectionsTests
{
    private readonly MemoryReactor _reactor = new();

    private Agent NewAgent(bool multiple = true, int maxConnectionsPerHost = 8, int connectTimeoutSeconds = 30) => new(_reactor, new AgentOptions
    {
        Http2PriorKnowledge = true,
        Http2MultipleConnections = multiple,
        MaxConnectionsPerHost = maxConnectionsPerHost,
        ConnectTimeout = TimeSpan.FromSeconds(connectTimeoutSeconds),
        ResponseTimeout = TimeSpan.FromSeconds(100),
    });

    private static Uri Url(int i) => new($"http://127.0.0.1:8080/{i}");

    /// <summary>Accepts connection <paramref name="index"/> and sends the server's SETTINGS (a stream limit of <paramref name="maxStreams"/>).</summary>
    private Server Accept(int index, uint maxStreams = 2)
    {
        var server = new Server(_reactor.TcpClients[index]);
        server.Settings((Http2SettingId.MaxConcurrentStreams, maxStreams));
        return server;
    }

    private static T Result<T>(Deferred<T> deferred) => DeferredResults.SuccessResultOf(deferred);

    private static Exception Failure<T>(Deferred<T> deferred)
    {
        Exception? error = null;
        deferred.AddErrback(e =>
        {
            error = e;
            return default(T)!;
        });
        return error ?? throw new Xunit.Sdk.XunitException("The Deferred has not failed.");
    }

    [Fact]
    public void Five_requests_with_a_limit_of_two_streams_open_three_connections()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 5).Select(i => agent.Request("GET", Url(i))).ToList();
        // One connection is opened at a time: the others wait for it.
        Assert.Single(_reactor.TcpClients);

        var a = Accept(0);
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(2, _reactor.TcpClients.Count);
        var b = Accept(1);
        Assert.Equal(["/2", "/3"], b.Paths());
        Assert.Equal(3, _reactor.TcpClients.Count);
        var c = Accept(2);
        Assert.Equal(["/4"], c.Paths());
        Assert.Equal(3, _reactor.TcpClients.Count);

        a.Respond(1, "r0");
        a.Respond(3, "r1");
        b.Respond(1, "r2");
        b.Respond(3, "r3");
        c.Respond(1, "r4");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"r{i}", Result(Result(requests[i]).Text()));
        }

        Assert.Equal(3, agent.ConnectionsOpened);
    }

    [Fact]
    public void Without_the_option_five_requests_queue_on_one_connection()
    {
        var agent = NewAgent(multiple: false);
        var requests = Enumerable.Range(0, 5).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = new Server(_reactor.TcpClients[0]);
        // Sent before the server's SETTINGS arrived, as before the option existed: the limit then applies to new streams.
        a.Settings((Http2SettingId.MaxConcurrentStreams, 2));
        Assert.Equal(["/0", "/1", "/2", "/3", "/4"], a.Paths());
        for (var i = 0; i < 5; i++)
        {
            a.Respond(1 + (2 * i), $"r{i}");
        }

        var more = Enumerable.Range(5, 4).Select(i => agent.Request("GET", Url(i))).ToList();
        Assert.Equal(["/5", "/6"], a.Paths());
        a.Respond(11, "r5");
        Assert.Equal(["/7"], a.Paths());
        a.Respond(13, "r6");
        a.Respond(15, "r7");
        Assert.Equal(["/8"], a.Paths());
        a.Respond(17, "r8");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"r{5 + i}", Result(Result(more[i]).Text()));
        }

        Assert.Single(_reactor.TcpClients);
        Assert.Equal(1, agent.ConnectionsOpened);
    }

    [Fact]
    public void The_per_host_connection_limit_bounds_the_connections_and_the_rest_queue_on_the_least_loaded_one()
    {
        var agent = NewAgent(maxConnectionsPerHost: 2);
        var requests = Enumerable.Range(0, 6).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        var b = Accept(1);
        Assert.Equal(2, _reactor.TcpClients.Count);
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(["/2", "/3"], b.Paths());

        // /4 and /5 queued, one on each connection (the least loaded, the oldest first): each waits for a stream there.
        b.Respond(1, "r2");
        Assert.Equal(["/5"], b.Paths());
        Assert.Empty(a.Paths());
        a.Respond(1, "r0");
        Assert.Equal(["/4"], a.Paths());
        a.Respond(3, "r1");
        a.Respond(5, "r4");
        b.Respond(3, "r3");
        b.Respond(5, "r5");
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal($"r{i}", Result(Result(requests[i]).Text()));
        }

        Assert.Equal(2, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_stream_freed_on_a_connection_is_used_before_opening_another()
    {
        var agent = NewAgent();
        var first = Enumerable.Range(0, 2).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        Assert.Equal(["/0", "/1"], a.Paths());
        a.Respond(1, "r0");
        Assert.Equal("r0", Result(Result(first[0]).Text()));

        var third = agent.Request("GET", Url(2));
        Assert.Equal(["/2"], a.Paths());
        Assert.Single(_reactor.TcpClients);
        a.Respond(3, "r1");
        a.Respond(5, "r2");
        Assert.Equal("r2", Result(Result(third).Text()));
        Assert.Equal(1, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_stream_freed_while_another_connection_opens_takes_a_waiting_request_at_once()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 4).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(2, _reactor.TcpClients.Count); // for /2 and /3

        a.Respond(1, "r0");
        Assert.Equal(["/2"], a.Paths());
        var b = Accept(1);
        Assert.Equal(["/3"], b.Paths());
        a.Respond(3, "r1");
        a.Respond(5, "r2");
        b.Respond(1, "r3");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"r{i}", Result(Result(requests[i]).Text()));
        }

        Assert.Equal(2, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_server_raising_its_stream_limit_takes_a_waiting_request_at_once()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 2).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0, maxStreams: 1);
        Assert.Equal(["/0"], a.Paths());
        Assert.Equal(2, _reactor.TcpClients.Count); // for /1

        a.Settings((Http2SettingId.MaxConcurrentStreams, 2));
        Assert.Equal(["/1"], a.Paths());
        var b = Accept(1);
        Assert.Empty(b.Paths());
        a.Respond(1, "r0");
        a.Respond(3, "r1");
        Assert.Equal("r1", Result(Result(requests[1]).Text()));
    }

    [Fact]
    public void Requests_prefer_the_oldest_connection_with_a_free_stream()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 3).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        var b = Accept(1);
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(["/2"], b.Paths());
        a.Respond(1, "r0");

        // a and b both have a free stream: the next request goes to a, so that b can drain and close when idle.
        var next = agent.Request("GET", Url(3));
        Assert.Equal(["/3"], a.Paths());
        Assert.Empty(b.Paths());
        a.Respond(3, "r1");
        a.Respond(5, "r3");
        b.Respond(1, "r2");
        Assert.Equal("r3", Result(Result(next).Text()));
        Assert.Equal(2, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_connect_failure_of_an_extra_connection_fails_only_the_requests_waiting_for_it()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 4).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        Assert.Equal(["/0", "/1"], a.Paths());
        var record = _reactor.TcpClients[1];
        record.Factory.ClientConnectionFailed(record, new ConnectionRefusedException("refused by the test"));

        Assert.Equal("refused by the test", Failure(requests[2]).Message);
        Assert.Equal("refused by the test", Failure(requests[3]).Message);
        a.Respond(1, "r0");
        a.Respond(3, "r1");
        Assert.Equal("r0", Result(Result(requests[0]).Text()));
        Assert.Equal("r1", Result(Result(requests[1]).Text()));

        // The pool goes on: a later request uses the free stream of the first connection.
        var later = agent.Request("GET", Url(4));
        Assert.Equal(["/4"], a.Paths());
        a.Respond(5, "r4");
        Assert.Equal("r4", Result(Result(later).Text()));
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void A_connection_that_got_goaway_is_forgotten_and_takes_no_new_stream()
    {
        var agent = NewAgent(maxConnectionsPerHost: 2);
        var requests = Enumerable.Range(0, 3).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        var b = Accept(1);
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(["/2"], b.Paths());

        a.GoAway(3, Http2ErrorCode.NoError);
        a.Respond(1, "r0");
        // a is going away: the next request takes b's free stream; the one after opens a new connection (a no longer
        // counts towards the per-host limit of 2).
        var more = Enumerable.Range(3, 2).Select(i => agent.Request("GET", Url(i))).ToList();
        Assert.Equal(["/3"], b.Paths());
        Assert.Equal(3, _reactor.TcpClients.Count);
        var c = Accept(2);
        Assert.Equal(["/4"], c.Paths());
        Assert.Empty(a.Paths());

        a.Respond(3, "r1");
        Assert.True(a.Transport.Disconnecting);
        b.Respond(1, "r2");
        b.Respond(3, "r3");
        c.Respond(1, "r4");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"r{i}", Result(Result(i < 3 ? requests[i] : more[i - 3]).Text()));
        }
    }

    [Fact]
    public void CloseIdleConnections_closes_every_idle_http2_connection()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 3).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = Accept(0);
        var b = Accept(1);
        a.Respond(1, "r0");
        a.Respond(3, "r1");
        Assert.Equal(["/0", "/1"], a.Paths());
        Assert.Equal(["/2"], b.Paths());

        agent.CloseIdleConnections();
        Assert.True(a.Transport.Disconnecting);
        Assert.False(b.Transport.Disconnecting); // /2 is in flight
        b.Respond(1, "r2");
        Assert.Equal("r2", Result(Result(requests[2]).Text()));
        agent.CloseIdleConnections();
        Assert.True(b.Transport.Disconnecting);

        // Both are forgotten: a new request opens a new connection.
        agent.Request("GET", Url(3));
        Assert.Equal(3, _reactor.TcpClients.Count);
    }

    [Fact]
    public void A_new_connection_takes_requests_only_once_the_server_settings_arrived()
    {
        var agent = NewAgent();
        var request = agent.Request("GET", Url(0));
        var a = new Server(_reactor.TcpClients[0]);
        Assert.Empty(a.Paths());
        a.Settings((Http2SettingId.MaxConcurrentStreams, 2));
        Assert.Equal(["/0"], a.Paths());
        a.Respond(1, "r0");
        Assert.Equal("r0", Result(Result(request).Text()));
    }

    [Fact]
    public void A_server_that_sends_no_settings_within_the_connect_timeout_fails_the_waiting_requests()
    {
        // A connect timeout shorter than the SETTINGS acknowledgement timeout (10 s), which would end it otherwise.
        var agent = NewAgent(connectTimeoutSeconds: 5);
        var requests = Enumerable.Range(0, 2).Select(i => agent.Request("GET", Url(i))).ToList();
        var a = new Server(_reactor.TcpClients[0]);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(requests[0].Called);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1));
        var error = Assert.IsType<TimeoutException>(Failure(requests[0]));
        Assert.Equal("The HTTP/2 server at http://127.0.0.1:8080 sent no SETTINGS within 5 s.", error.Message);
        Assert.IsType<TimeoutException>(Failure(requests[1]));
        Assert.True(a.Transport.Aborted);
    }

    [Fact]
    public void A_server_silent_past_the_settings_acknowledgement_timeout_fails_the_waiting_requests_first()
    {
        var agent = NewAgent();
        var request = agent.Request("GET", Url(0));
        var a = new Server(_reactor.TcpClients[0]);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(request.Called);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(0.1));
        var error = Failure(request);
        Assert.IsType<ResponseNeverReceivedException>(error);
        Assert.Equal(
            "The HTTP/2 connection to http://127.0.0.1:8080 failed before the server's SETTINGS arrived: " +
            "SettingsTimeout: The peer did not acknowledge SETTINGS within 10 s (Http2Limits.SettingsTimeout).",
            error.Message);
        Assert.Contains(a.Read(), f => f.Header.Type == Http2FrameType.GoAway);
        Assert.True(a.Transport.Disconnecting);
    }

    [Fact]
    public void A_connection_lost_before_the_server_settings_fails_the_waiting_requests_as_never_received()
    {
        var agent = NewAgent();
        var request = agent.Request("GET", Url(0));
        var a = new Server(_reactor.TcpClients[0]);
        a.Transport.DeliverConnectionLost(new ConnectionLostException("reset by the test"));
        var error = Assert.IsType<ResponseNeverReceivedException>(Failure(request));
        Assert.Contains("reset by the test", error.Message, StringComparison.Ordinal);

        // The next request opens a new connection.
        agent.Request("GET", Url(1));
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void A_server_breaking_the_protocol_before_its_settings_fails_the_waiting_requests()
    {
        var agent = NewAgent();
        var request = agent.Request("GET", Url(0));
        var a = new Server(_reactor.TcpClients[0]);
        a.Frame(Http2FrameType.Ping, 0, 0, new byte[8]);
        var error = Assert.IsType<ResponseNeverReceivedException>(Failure(request));
        // The message says what the server did wrong (its first frame must be SETTINGS, RFC 9113 section 3.4).
        Assert.StartsWith("The HTTP/2 connection to http://127.0.0.1:8080 failed before the server's SETTINGS arrived: ProtocolError: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_waiting_request_leaves_the_queue()
    {
        var agent = NewAgent();
        var requests = Enumerable.Range(0, 3).Select(i => agent.Request("GET", Url(i))).ToList();
        requests[1].Cancel();
        Assert.IsType<CancelledException>(Failure(requests[1]));
        var a = Accept(0);
        Assert.Equal(["/0", "/2"], a.Paths());
        Assert.Single(_reactor.TcpClients);
    }

    /// <summary>The server side of one connection the agent opened on the MemoryReactor.</summary>
    private sealed class Server : Http2PeerHarness
    {
        public Server(TcpConnectRecord record)
        {
            Transport.Connect(record.Factory.BuildProtocol(record.Destination)!);
            Assert.True(Transport.Value().AsSpan().StartsWith(Http2ServerProtocol.Preface));
            ReadOffset = Http2ServerProtocol.Preface.Length;
        }

        public override void Send(byte[] bytes) => Transport.Protocol!.DataReceived(bytes);

        /// <summary>The :path of each request the client opened since the last call.</summary>
        public List<string> Paths() => [.. Read().Where(f => f.Header.Type == Http2FrameType.Headers).Select(f => f.Field(":path")!)];

        public void Respond(int stream, string body)
        {
            Headers(stream, endStream: false, (":status", "200"), ("content-length", body.Length.ToString(CultureInfo.InvariantCulture)));
            Frame(Http2FrameType.Data, Http2FrameFlags.EndStream, stream, System.Text.Encoding.UTF8.GetBytes(body));
        }

        public void GoAway(int lastStream, Http2ErrorCode code)
        {
            var w = new System.Buffers.ArrayBufferWriter<byte>();
            Http2FrameWriter.WriteGoAway(w, lastStream, code, "bye"u8);
            Send(w.WrittenSpan.ToArray());
        }
    }
}
