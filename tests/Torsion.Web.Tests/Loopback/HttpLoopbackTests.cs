using System.Text;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Loopback;

public sealed class HttpLoopbackTests
{
    private static HttpServerFactory Plaintext(Torsion.Reactor.ReactorBase reactor) => new((request, response) =>
    {
        response.AddHeader("Content-Type"u8, "text/plain"u8);
        response.Write("Hello, World!"u8);
        response.Finish();
    }, reactor);

    [Fact]
    public void Two_requests_are_answered_on_one_connection()
    {
        using var server = new RunningServer(Plaintext);
        using var socket = server.Connect();
        RunningServer.Send(socket, "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.EndsWith("Hello, World!", RunningServer.ReceiveUntil(socket, t => t.EndsWith("Hello, World!", StringComparison.Ordinal)));
        RunningServer.Send(socket, "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.EndsWith("Hello, World!", RunningServer.ReceiveUntil(socket, t => t.EndsWith("Hello, World!", StringComparison.Ordinal)));
    }

    [Fact]
    public void Sixteen_pipelined_requests_are_answered_in_order()
    {
        using var server = new RunningServer(reactor => new HttpServerFactory((request, response) =>
        {
            response.Write(request.Path);
            response.Finish();
        }, reactor));
        using var socket = server.Connect();
        var sb = new StringBuilder();
        for (var i = 0; i < 16; i++)
        {
            sb.Append($"GET /r{i:00} HTTP/1.1\r\nHost: a\r\n\r\n");
        }

        RunningServer.Send(socket, sb.ToString());
        var text = RunningServer.ReceiveUntil(socket, t => t.EndsWith("/r15", StringComparison.Ordinal));
        Assert.Equal(16, RunningServer.Count(text, "HTTP/1.1 200 OK"));
        var last = -1;
        for (var i = 0; i < 16; i++)
        {
            var at = text.IndexOf($"/r{i:00}", StringComparison.Ordinal);
            Assert.True(at > last);
            last = at;
        }
    }

    private sealed class Counter(HttpServerResponse response) : IHttpBodyReceiver
    {
        private long _count;

        public void BodyDataReceived(ReadOnlySpan<byte> data) => _count += data.Length;

        public void BodyCompleted()
        {
            response.Write(Encoding.ASCII.GetBytes($"got {_count}"));
            response.Finish();
        }

        public void BodyFailed(Exception reason)
        {
        }
    }

    [Fact]
    public void Large_chunked_upload_is_streamed_to_the_receiver()
    {
        using var server = new RunningServer(reactor => new HttpServerFactory((request, response) => request.ReadBody(new Counter(response)), reactor));
        using var socket = server.Connect();
        RunningServer.Send(socket, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        var chunk = Encoding.ASCII.GetBytes("10000\r\n" + new string('z', 0x10000) + "\r\n");
        for (var i = 0; i < 64; i++)
        {
            socket.Send(chunk);
        }

        RunningServer.Send(socket, "0\r\n\r\n");
        Assert.EndsWith($"got {64 * 0x10000}", RunningServer.ReceiveUntil(socket, t => t.Contains("got ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Malformed_request_is_answered_and_the_connection_closed()
    {
        using var server = new RunningServer(Plaintext);
        using var socket = server.Connect();
        RunningServer.Send(socket, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        var text = RunningServer.ReceiveUntil(socket, _ => false);
        Assert.StartsWith("HTTP/1.1 400 Bad Request", text);
    }
}
