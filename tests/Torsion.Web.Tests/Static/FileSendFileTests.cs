using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Torsion.Reactor;
using Torsion.Web.Server;
using Torsion.Web.Tests.Loopback;
using StaticFile = Torsion.Web.Static.File;

namespace Torsion.Web.Tests.Static;

/// <summary>
/// <see cref="StaticFile"/> on a real reactor: which bodies go through the connection's sendfile(2) (seen in the
/// <c>torsion.bytes.sent_by_sendfile</c> counter of the listening port) and that the bytes are right either way.
/// </summary>
public abstract class FileSendFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-sendfile-").FullName;
    private readonly byte[] _big = RandomNumberGenerator.GetBytes(5 << 20);
    private readonly byte[] _small = RandomNumberGenerator.GetBytes(10_000);
    private readonly SendFileCounter _counter = new();
    private readonly RunningServer _server;

    protected FileSendFileTests(long threshold = 16 * 1024)
    {
        System.IO.File.WriteAllBytes(Path.Combine(_root, "5m.bin"), _big);
        System.IO.File.WriteAllBytes(Path.Combine(_root, "small.bin"), _small);
        System.IO.File.WriteAllText(Path.Combine(_root, "page.html"), string.Concat(Enumerable.Repeat("<p>compress me</p>\n", 3000)));
        var file = new StaticFile(_root) { SendFileThreshold = threshold };
        _server = new RunningServer(reactor => new Site(file, reactor), CreateReactor);
    }

    /// <summary>Whether this suite's reactor sends bodies above the threshold with sendfile(2).</summary>
    protected abstract bool ExpectSendFile { get; }

    protected abstract ReactorBase CreateReactor();

    public void Dispose()
    {
        _server.Dispose();
        _counter.Dispose();
        Directory.Delete(_root, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void A_full_file_above_the_threshold_is_sent_whole_and_byte_identical()
    {
        var (head, body) = Get("GET /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("Content-Length: 5242880\r\n", head);
        Assert.Equal(_big, body);
        Assert.Equal(ExpectSendFile ? _big.Length : 0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void A_single_range_in_the_middle_is_a_206_with_exactly_those_bytes()
    {
        var (head, body) = Get("GET /5m.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=1000000-3999999\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 206 ", head);
        Assert.Contains("Content-Range: bytes 1000000-3999999/5242880\r\n", head);
        Assert.Equal(_big.AsSpan(1_000_000, 3_000_000).ToArray(), body);
        Assert.Equal(ExpectSendFile ? 3_000_000 : 0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void A_file_below_the_threshold_is_written_not_sent_from_the_file()
    {
        var (_, body) = Get("GET /small.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.Equal(_small, body);
        Assert.Equal(0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void Head_sends_no_body_and_no_file()
    {
        using var socket = _server.Connect();
        RunningServer.Send(socket, "HEAD /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        var response = RunningServer.ReceiveUntil(socket, _ => false);

        Assert.Contains("Content-Length: 5242880\r\n", response);
        Assert.EndsWith("\r\n\r\n", response);
        Assert.Equal(0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void A_compressed_response_is_unchanged_and_not_sent_from_the_file()
    {
        var (head, body) = Get("GET /page.html HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");

        Assert.Contains("Content-Encoding: gzip\r\n", head);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(body), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(System.IO.File.ReadAllBytes(Path.Combine(_root, "page.html")), plain.ToArray());
        Assert.Equal(0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void Pipelined_requests_get_their_bodies_in_order_on_one_connection()
    {
        using var socket = _server.Connect();
        RunningServer.Send(
            socket,
            "GET /5m.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=0-99999\r\n\r\n"
            + "GET /small.bin HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        var all = ReadToEnd(socket);

        var offset = 0;
        Assert.Equal(_big.AsSpan(0, 100_000).ToArray(), NextBody(all, ref offset, 206));
        Assert.Equal(_small, NextBody(all, ref offset, 200));
        Assert.Equal(_big, NextBody(all, ref offset, 200));
        Assert.Equal(all.Length, offset);
        Assert.Equal(ExpectSendFile ? 100_000 + _big.Length : 0, _counter.Bytes(_server.Port));
    }

    [Fact]
    public void A_slow_reader_still_gets_the_whole_file()
    {
        using var socket = _server.Connect();
        socket.ReceiveBufferSize = 64 * 1024;
        RunningServer.Send(socket, "GET /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Thread.Sleep(300);

        var all = ReadToEnd(socket, chunk: 8 * 1024);

        var offset = 0;
        Assert.Equal(_big, NextBody(all, ref offset, 200));
    }

    [Fact]
    public void A_client_that_leaves_mid_file_leaves_the_server_serving_others()
    {
        using (var leaving = _server.Connect())
        {
            leaving.ReceiveBufferSize = 64 * 1024;
            RunningServer.Send(leaving, "GET /5m.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            var buffer = new byte[64 * 1024];
            var got = 0;
            while (got < 100_000)
            {
                var n = leaving.Receive(buffer);
                Assert.True(n > 0, "the server closed before sending 100 kB");
                got += n;
            }

            // Unread bytes: closing now sends a reset mid-file.
            leaving.LingerState = new LingerOption(true, 0);
        }

        var (head, body) = Get("GET /5m.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Equal(_big, body);
    }

    private (string Head, byte[] Body) Get(string request)
    {
        using var socket = _server.Connect();
        RunningServer.Send(socket, request);
        var all = ReadToEnd(socket);
        var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, "no response head");
        return (Encoding.Latin1.GetString(all, 0, end + 4), all[(end + 4)..]);
    }

    private static byte[] ReadToEnd(Socket socket, int chunk = 256 * 1024)
    {
        var buffer = new byte[chunk];
        using var all = new MemoryStream();
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            all.Write(buffer, 0, n);
        }

        return all.ToArray();
    }

    /// <summary>The body of the response at <paramref name="offset"/> (framed by its Content-Length), moving past it.</summary>
    private static byte[] NextBody(byte[] all, ref int offset, int status)
    {
        var end = all.AsSpan(offset).IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, $"no response head at {offset}");
        var head = Encoding.Latin1.GetString(all, offset, end);
        Assert.StartsWith($"HTTP/1.1 {status} ", head);
        var line = head.Split("\r\n").Single(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
        var length = int.Parse(line.AsSpan(16), CultureInfo.InvariantCulture);
        var start = offset + end + 4;
        offset = start + length;
        return all.AsSpan(start, length).ToArray();
    }
}

public sealed class EpollFileSendFileTests : FileSendFileTests
{
    protected override bool ExpectSendFile => true;

    protected override ReactorBase CreateReactor() => new EpollReactor();
}

public sealed class SelectFileSendFileTests : FileSendFileTests
{
    protected override bool ExpectSendFile => true;

    protected override ReactorBase CreateReactor() => new SelectReactor();
}

/// <summary>The fallback: a reactor with sendfile off copies the file through a buffer (pread + send) on the same path.</summary>
public sealed class SelectCopyFileSendFileTests : FileSendFileTests
{
    protected override bool ExpectSendFile => false;

    protected override ReactorBase CreateReactor() => new SelectReactor(new ReactorOptions { SendFile = false });
}

/// <summary>The other fallback: with the threshold out of reach, File streams through its FileSender producer.</summary>
public sealed class ProducerFileSendFileTests : FileSendFileTests
{
    public ProducerFileSendFileTests()
        : base(threshold: long.MaxValue)
    {
    }

    protected override bool ExpectSendFile => false;

    protected override ReactorBase CreateReactor() => new EpollReactor();
}
