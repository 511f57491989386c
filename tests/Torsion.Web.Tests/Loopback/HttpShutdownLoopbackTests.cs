using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Web.Http;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.Loopback;

/// <summary>
/// The graceful shutdown of HTTP/1.1 and WebSocket connections through real reactors: one reactor, and a
/// <see cref="ReactorGroup"/> of two whose connections each drain on their own reactor thread.
/// </summary>
public sealed class HttpShutdownLoopbackTests
{
    private const int Chunks = 8;
    private const int ChunkSize = 32 * 1024;

    /// <summary>Answers /where with the index of the reactor, holds /slow until <see cref="Go"/>, accepts a WebSocket at /ws.</summary>
    private sealed class App(IReadOnlyList<ReactorBase> reactors)
    {
        private readonly ConcurrentDictionary<ReactorBase, List<HttpServerResponse>> _held = new();

        public SemaphoreSlim Held { get; } = new(0);

        public void Handle(HttpServerRequest request, HttpServerResponse response)
        {
            var reactor = reactors.First(r => r.IsInReactorThread);
            if (request.Path.SequenceEqual("/ws"u8))
            {
                WebSocketUpgrade.Accept(request, response, reactor)!.MessageReceived += (ws, type, payload) => ws.Send(type, payload);
                return;
            }

            if (request.Path.SequenceEqual("/slow"u8))
            {
                _held.GetOrAdd(reactor, _ => []).Add(response);
                Held.Release();
                return;
            }

            response.Write(Encoding.ASCII.GetBytes(reactors.ToList().IndexOf(reactor).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            response.Finish();
        }

        /// <summary>On the reactor's thread: streams every held response, one chunk per timer tick.</summary>
        public void Go(ReactorBase reactor)
        {
            foreach (var response in _held.GetValueOrDefault(reactor) ?? [])
            {
                Stream(reactor, response, 0);
            }
        }

        private static void Stream(ReactorBase reactor, HttpServerResponse response, int sent)
        {
            response.Write(Enumerable.Repeat((byte)('a' + sent), ChunkSize).ToArray());
            response.Flush();
            if (sent + 1 == Chunks)
            {
                response.Finish();
                return;
            }

            reactor.CallLater(TimeSpan.FromMilliseconds(10), () => Stream(reactor, response, sent + 1));
        }
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 20_000, SendTimeout = 20_000 };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    private static int Where(Socket socket)
    {
        RunningServer.Send(socket, "GET /where HTTP/1.1\r\nHost: a\r\n\r\n");
        // The answer is one digit after the head.
        var text = RunningServer.ReceiveUntil(socket, t => t.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end && end >= 0 && t.Length == end + 5);
        return text[^1] - '0';
    }

    private static byte[] ReadToEnd(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (socket.Receive(buffer) is var n && n > 0)
        {
            all.Write(buffer, 0, n);
        }

        return all.ToArray();
    }

    /// <summary>Checks that exactly one whole chunked response with Connection: close arrived before the close.</summary>
    private static void AssertWholeResponseThenClose(byte[] received)
    {
        var text = Encoding.Latin1.GetString(received);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, "no response head arrived");
        var head = text[..headEnd];
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close", head, StringComparison.Ordinal);
        Assert.Contains("\r\nTransfer-Encoding: chunked", head, StringComparison.Ordinal);
        var body = new StringBuilder();
        var pos = headEnd + 4;
        while (true)
        {
            var lineEnd = text.IndexOf("\r\n", pos, StringComparison.Ordinal);
            var size = Convert.ToInt32(text[pos..lineEnd], 16);
            pos = lineEnd + 2;
            if (size == 0)
            {
                Assert.Equal("\r\n", text[pos..]);
                break;
            }

            body.Append(text, pos, size);
            pos += size + 2;
        }

        var expected = string.Concat(Enumerable.Range(0, Chunks).Select(i => new string((char)('a' + i), ChunkSize)));
        Assert.Equal(expected, body.ToString());
    }

    private static Task<bool> ShutdownOn(ReactorBase reactor, HttpServerFactory factory, TimeSpan timeout, Action<ReactorBase>? then = null, IReadOnlyList<ReactorBase>? all = null)
    {
        var fired = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.CallFromThread(() =>
        {
            factory.Shutdown(timeout, reactor).AddBoth(result =>
            {
                fired.SetResult(reactor.IsInReactorThread);
                return Unit.Value;
            });

            // Queued behind the drain on every reactor: the held responses start only once their connection drains.
            foreach (var r in all ?? [reactor])
            {
                r.CallFromThread(() => then?.Invoke(r));
            }
        });
        return fired.Task;
    }

    [Fact]
    public async Task Idle_connections_close_at_once_and_a_response_in_flight_finishes_on_one_reactor()
    {
        App? app = null;
        using var server = new RunningServer(reactor =>
        {
            app = new App([reactor]);
            return new HttpServerFactory(app.Handle, reactor, new HttpServerOptions { EnableHttp2 = true });
        });
        using var idle = Connect(server.Port);
        Assert.Equal(0, Where(idle));
        using var busy = Connect(server.Port);
        RunningServer.Send(busy, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /where HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.True(await app!.Held.WaitAsync(RunningServer.Timeout));
        var fired = ShutdownOn(server.Reactor, FactoryOf(server), TimeSpan.FromSeconds(10), app.Go);
        Assert.Empty(ReadToEnd(idle));
        AssertWholeResponseThenClose(ReadToEnd(busy));
        Assert.True(await fired.WaitAsync(RunningServer.Timeout));

        // The port still listens (nobody stopped it here), but the factory refuses new connections.
        using var late = Connect(server.Port);
        Assert.Empty(ReadToEnd(late));
    }

    [Fact]
    public async Task A_websocket_gets_close_1001_then_the_server_closes_after_the_close_handshake()
    {
        App? app = null;
        using var server = new RunningServer(reactor =>
        {
            app = new App([reactor]);
            return new HttpServerFactory(app.Handle, reactor);
        });
        using var socket = Connect(server.Port);
        RunningServer.Send(socket, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101 ", RunningServer.ReceiveUntil(socket, t => t.EndsWith("\r\n\r\n", StringComparison.Ordinal)), StringComparison.Ordinal);

        var fired = ShutdownOn(server.Reactor, FactoryOf(server), TimeSpan.FromSeconds(10));
        var frame = new byte[64];
        var n = 0;
        while (n < 2 || n < 2 + frame[1])
        {
            n += socket.Receive(frame, n, frame.Length - n, SocketFlags.None);
        }

        Assert.Equal(0x88, frame[0]);
        Assert.Equal(WebSocketCloseCode.GoingAway, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)));
        Assert.False(fired.IsCompleted);

        var reply = new byte[8];
        var h = WebSocketFrameFormatter.WriteHeader(reply, fin: true, rsv1: false, WebSocketOpcode.Close, 2, 0x0A0B0C0D);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(h), WebSocketCloseCode.GoingAway);
        WebSocketMask.Apply(reply.AsSpan(h, 2), 0x0A0B0C0D, 0);
        socket.Send(reply, h + 2, SocketFlags.None);
        Assert.Empty(ReadToEnd(socket));
        Assert.True(await fired.WaitAsync(RunningServer.Timeout));
    }

    [Fact]
    public async Task Shutdown_of_a_group_factory_drains_the_connections_of_every_reactor_on_its_own_thread()
    {
        using var group = new ReactorGroup(2);
        group.Start();
        try
        {
            var app = new App(group.Reactors);
            var factory = new HttpServerFactory(app.Handle, group);
            var port = ((IPEndPoint)group.ListenTcp(0, factory, 128, "127.0.0.1").Host).Port;

            // Connect until each reactor has two connections that will be busy and two that stay idle.
            var busy = new List<Socket>();
            var idle = new List<Socket>();
            var counts = new int[2];
            for (var attempt = 0; attempt < 200 && counts.Min() < 4; attempt++)
            {
                var socket = Connect(port);
                var reactor = Where(socket);
                (counts[reactor]++ < 2 ? busy : idle).Add(socket);
            }

            Assert.True(counts.Min() >= 4, $"the kernel put every connection on one reactor ({counts[0]}, {counts[1]})");
            foreach (var socket in busy)
            {
                RunningServer.Send(socket, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /where HTTP/1.1\r\nHost: a\r\n\r\n");
            }

            for (var i = 0; i < busy.Count; i++)
            {
                Assert.True(await app.Held.WaitAsync(RunningServer.Timeout));
            }

            // Transports throw when used off their reactor thread: closing reactor 1's connections from reactor 0 would fail.
            var fired = ShutdownOn(group.Reactors[0], factory, TimeSpan.FromSeconds(10), app.Go, group.Reactors);
            foreach (var socket in idle)
            {
                Assert.Empty(ReadToEnd(socket));
            }

            foreach (var socket in busy)
            {
                AssertWholeResponseThenClose(ReadToEnd(socket));
            }

            Assert.True(await fired.WaitAsync(RunningServer.Timeout), "the Deferred fired off the calling reactor's thread");
            foreach (var socket in busy.Concat(idle))
            {
                socket.Dispose();
            }
        }
        finally
        {
            group.Stop();
            Assert.True(group.Join(RunningServer.Timeout));
        }
    }

    [Fact]
    public async Task A_response_that_never_finishes_is_aborted_at_the_timeout()
    {
        App? app = null;
        using var server = new RunningServer(reactor =>
        {
            app = new App([reactor]);
            return new HttpServerFactory(app.Handle, reactor);
        });
        using var socket = Connect(server.Port);
        RunningServer.Send(socket, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.True(await app!.Held.WaitAsync(RunningServer.Timeout));
        var fired = ShutdownOn(server.Reactor, FactoryOf(server), TimeSpan.FromMilliseconds(200));
        Assert.True(await fired.WaitAsync(RunningServer.Timeout));
        var e = Assert.Throws<SocketException>(() => ReadToEnd(socket));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
    }

    private static HttpServerFactory FactoryOf(RunningServer server) => server.Factory as HttpServerFactory
        ?? throw new InvalidOperationException("The server was not made with an HttpServerFactory.");
}
