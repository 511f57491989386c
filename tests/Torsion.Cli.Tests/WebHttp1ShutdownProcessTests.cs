using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Web.WebSocket;

namespace Torsion.Cli.Tests;

/// <summary>
/// `torsion web` as a real process: on SIGTERM an idle HTTP/1.1 keep-alive connection closes at once, a response in
/// flight is sent whole, the request pipelined behind it gets no answer, the connection closes and the exit code is 0;
/// a WebSocket gets close 1001.
/// </summary>
public sealed class WebHttp1ShutdownProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-web-h1-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Sigterm_closes_idle_connections_at_once_and_lets_the_response_in_flight_finish()
    {
        // 32 MiB: far more than the socket buffers hold, so the server is mid-response while the client does not read.
        var content = new byte[32 << 20];
        new Random(7).NextBytes(content);
        File.WriteAllBytes(Path.Combine(_root, "big.bin"), content);
        File.WriteAllText(Path.Combine(_root, "small.txt"), "small");
        using var torsion = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root, "--shutdown-timeout", "30");
        var port = await torsion.WaitForListeningPortAsync();

        using var idle = await ConnectAsync(port);
        await SendAsync(idle, "GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var (idleHead, idleBody) = await ReadResponseAsync(idle);
        Assert.StartsWith("HTTP/1.1 200 OK", idleHead, StringComparison.Ordinal);
        Assert.Equal("small", Encoding.ASCII.GetString(idleBody));

        using var busy = await ConnectAsync(port, receiveBuffer: 16 * 1024);
        await SendAsync(busy, "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        var reader = new ResponseReader(busy);
        var head = await reader.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        Assert.Contains($"\r\nContent-Length: {content.Length}", head, StringComparison.Ordinal);
        var body = new MemoryStream();
        await reader.ReadBodyAsync(body, 256 * 1024);

        torsion.Terminate();

        // The idle connection closes while the busy one still waits for this client to read: not after the drain.
        Assert.Equal(0, await ReadAsync(idle, new byte[16]));
        Assert.True(body.Length < content.Length);

        // New connections are no longer accepted.
        var refused = await Assert.ThrowsAsync<SocketException>(() => ConnectAsync(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        await reader.ReadBodyAsync(body, content.Length - body.Length);
        Assert.Equal(content, body.ToArray());

        // The pipelined /small.txt is not answered: the server closes right after the body.
        Assert.Equal(0, await reader.ReadRestAsync());
        Assert.Equal(0, await torsion.WaitForExitAsync());
    }

    [Fact]
    public async Task Sigterm_sends_a_websocket_close_1001_and_exits_after_the_close_handshake()
    {
        using var torsion = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root, "--websocket-echo", "/echo", "--shutdown-timeout", "30");
        var port = await torsion.WaitForListeningPortAsync();
        using var socket = await ConnectAsync(port);
        await SendAsync(socket, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var reader = new ResponseReader(socket);
        Assert.StartsWith("HTTP/1.1 101 ", await reader.ReadHeadAsync(), StringComparison.Ordinal);

        torsion.Terminate();
        var frame = new MemoryStream();
        await reader.ReadBodyAsync(frame, 2);
        var length = frame.ToArray()[1];
        await reader.ReadBodyAsync(frame, length);
        var bytes = frame.ToArray();
        Assert.Equal(0x88, bytes[0]);
        Assert.Equal(WebSocketCloseCode.GoingAway, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)));
        Assert.Equal("The server is shutting down.", Encoding.UTF8.GetString(bytes.AsSpan(4)));

        // The server waits for the client's close frame, then closes TCP and exits.
        var reply = new byte[8];
        var h = WebSocketFrameFormatter.WriteHeader(reply, fin: true, rsv1: false, WebSocketOpcode.Close, 2, 0x11223344);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(h), WebSocketCloseCode.GoingAway);
        WebSocketMask.Apply(reply.AsSpan(h, 2), 0x11223344, 0);
        await socket.SendAsync(reply.AsMemory(0, h + 2), SocketFlags.None).AsTask().WaitAsync(TorsionProcess.Timeout);
        Assert.Equal(0, await reader.ReadRestAsync());
        Assert.Equal(0, await torsion.WaitForExitAsync());
    }

    private static async Task<Socket> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TorsionProcess.Timeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendAsync(Socket socket, string text) =>
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None).WaitAsync(TorsionProcess.Timeout);

    private static async Task<int> ReadAsync(Socket socket, byte[] buffer) =>
        await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TorsionProcess.Timeout);

    private static async Task<(string Head, byte[] Body)> ReadResponseAsync(Socket socket)
    {
        var reader = new ResponseReader(socket);
        var head = await reader.ReadHeadAsync();
        var lengthAt = head.IndexOf("\r\nContent-Length: ", StringComparison.OrdinalIgnoreCase) + 18;
        var length = int.Parse(head.AsSpan(lengthAt, head.IndexOf('\r', lengthAt) - lengthAt), System.Globalization.CultureInfo.InvariantCulture);
        var body = new MemoryStream();
        await reader.ReadBodyAsync(body, length);
        return (head, body.ToArray());
    }

    /// <summary>Reads one response head, then body bytes, from a socket.</summary>
    private sealed class ResponseReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _length;

        public async Task<string> ReadHeadAsync()
        {
            while (true)
            {
                var end = _buffer.AsSpan(_start, _length).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    var head = Encoding.Latin1.GetString(_buffer, _start, end + 4);
                    _start += end + 4;
                    _length -= end + 4;
                    return head;
                }

                await FillAsync();
            }
        }

        public async Task ReadBodyAsync(MemoryStream body, long count)
        {
            while (count > 0)
            {
                if (_length == 0)
                {
                    await FillAsync();
                }

                var n = (int)Math.Min(count, _length);
                body.Write(_buffer, _start, n);
                _start += n;
                _length -= n;
                count -= n;
            }
        }

        /// <summary>Reads until the server closes; returns how many bytes came after what was read so far.</summary>
        public async Task<int> ReadRestAsync()
        {
            var rest = _length;
            while (await ReadAsync(socket, _buffer) is var n && n > 0)
            {
                rest += n;
            }

            return rest;
        }

        private async Task FillAsync()
        {
            if (_length == 0)
            {
                _start = 0;
            }
            else if (_start > 0)
            {
                _buffer.AsSpan(_start, _length).CopyTo(_buffer);
                _start = 0;
            }

            var n = await socket.ReceiveAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(TorsionProcess.Timeout);
            if (n == 0)
            {
                throw new EndOfStreamException("The server closed the connection in the middle of a response.");
            }

            _length += n;
        }
    }
}
