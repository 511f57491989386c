using System.Buffers;
using System.Text;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Client;

/// <summary>Agent over HTTP/2 (h2c prior knowledge) on a MemoryReactor: connection sharing, GOAWAY and REFUSED_STREAM retries.</summary>
public sealed class AgentHttp2Tests
{
    private readonly MemoryReactor _reactor = new();

    private Agent NewAgent() => new(_reactor, new AgentOptions { Http2PriorKnowledge = true });

    private StringTransport Win(int index)
    {
        var record = _reactor.TcpClients[index];
        var transport = new StringTransport();
        transport.Connect(record.Factory.BuildProtocol(record.Destination)!);
        Send(transport, w => Http2FrameWriter.WriteSettings(w, []));
        return transport;
    }

    private static void Send(StringTransport transport, Action<ArrayBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        transport.Protocol!.DataReceived(w.WrittenSpan);
    }

    private static void Respond(StringTransport transport, int stream, int status, string body)
    {
        var encoder = new HpackEncoder();
        var block = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(block);
        encoder.Encode(block, ":status"u8, Encoding.ASCII.GetBytes(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Send(transport, w =>
        {
            Http2FrameWriter.WriteHeaders(w, stream, block.WrittenSpan, endStream: false, 16384);
            Http2FrameWriter.WriteData(w, stream, Encoding.UTF8.GetBytes(body), endStream: true);
        });
    }

    private static T Result<T>(Deferred<T> deferred) => DeferredResults.SuccessResultOf(deferred);

    [Fact]
    public void Requests_made_while_connecting_share_the_one_connection()
    {
        var agent = NewAgent();
        var a = agent.Request("GET", new Uri("http://127.0.0.1:8080/a"));
        var b = agent.Request("GET", new Uri("http://127.0.0.1:8080/b"));
        Assert.Single(_reactor.TcpClients);
        var t = Win(0);
        Respond(t, 1, 200, "a");
        Respond(t, 3, 200, "b");
        Assert.Equal("a", Result(Result(a).Text()));
        Assert.Equal("b", Result(Result(b).Text()));
        Assert.Equal(HttpProtocolVersion.Http2, Result(a).Version);
        var c = agent.Request("GET", new Uri("http://127.0.0.1:8080/c"));
        Respond(t, 5, 200, "c");
        Assert.Equal("c", Result(Result(c).Text()));
        Assert.Equal(1, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_request_cut_off_by_goaway_is_sent_again_on_a_new_connection()
    {
        var agent = NewAgent();
        var a = agent.Request("GET", new Uri("http://127.0.0.1:8080/a"));
        var b = agent.Request("GET", new Uri("http://127.0.0.1:8080/b"));
        var first = Win(0);
        Send(first, w => Http2FrameWriter.WriteGoAway(w, 1, Http2ErrorCode.NoError));
        Assert.Equal(2, _reactor.TcpClients.Count);
        Respond(first, 1, 200, "a");
        Assert.Equal("a", Result(Result(a).Text()));
        Assert.True(first.Disconnecting);
        var second = Win(1);
        Respond(second, 1, 200, "b again");
        Assert.Equal("b again", Result(Result(b).Text()));
    }

    [Fact]
    public void A_two_step_goaway_sends_new_requests_on_a_new_connection_and_retries_the_streams_cut_off()
    {
        var agent = NewAgent();
        var a = agent.Request("GET", new Uri("http://127.0.0.1:8080/a"));
        var b = agent.Request("GET", new Uri("http://127.0.0.1:8080/b"));
        var first = Win(0);
        Send(first, w =>
        {
            Http2FrameWriter.WriteGoAway(w, int.MaxValue, Http2ErrorCode.NoError);
            Http2FrameWriter.WritePing(w, "shutdown"u8, ack: false);
        });

        // The streams sent go on; a new request opens a second connection.
        Assert.Single(_reactor.TcpClients);
        var c = agent.Request("GET", new Uri("http://127.0.0.1:8080/c"));
        Assert.Equal(2, _reactor.TcpClients.Count);
        var second = Win(1);
        Respond(second, 1, 200, "c");
        Assert.Equal("c", Result(Result(c).Text()));

        // The final GOAWAY names stream 1: b (stream 3) was not processed and goes to the second connection.
        Send(first, w => Http2FrameWriter.WriteGoAway(w, 1, Http2ErrorCode.NoError));
        Respond(first, 1, 200, "a");
        Assert.Equal("a", Result(Result(a).Text()));
        Assert.True(first.Disconnecting);
        Respond(second, 3, 200, "b again");
        Assert.Equal("b again", Result(Result(b).Text()));
        Assert.Equal(2, agent.ConnectionsOpened);
    }

    [Fact]
    public void A_refused_stream_is_sent_again_and_gives_up_after_the_retry_limit()
    {
        var agent = NewAgent();
        var d = agent.Request("GET", new Uri("http://127.0.0.1:8080/"));
        var t = Win(0);
        for (var i = 0; i <= Agent.MaxNotProcessedRetries; i++)
        {
            Send(t, w => Http2FrameWriter.WriteRstStream(w, 1 + (2 * i), Http2ErrorCode.RefusedStream));
        }

        Exception? error = null;
        d.AddErrback(e =>
        {
            error = e;
            return (HttpResponse)null!;
        });
        Assert.IsType<RequestNotProcessedException>(error);
        Assert.Single(_reactor.TcpClients);
    }
}
