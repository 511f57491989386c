using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Torsion.Web.Http2;

namespace Torsion.Cli.Tests;

/// <summary>`torsion web` as a real process: SIGTERM drains HTTP/2 connections (two GOAWAYs, the stream in flight finishes, exit 0).</summary>
public sealed class WebHttp2ShutdownProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-web-h2-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Sigterm_sends_two_goaways_and_lets_the_stream_in_flight_finish()
    {
        var content = new byte[100_000];
        new Random(5).NextBytes(content);
        File.WriteAllBytes(Path.Combine(_root, "big.bin"), content);
        using var torsion = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root);
        var port = await torsion.WaitForListeningPortAsync();

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port).WaitAsync(TorsionProcess.Timeout);
        var stream = client.GetStream();

        // h2c prior knowledge with a 1000-byte stream window: the server sends 1000 bytes and waits for WINDOW_UPDATE.
        var w = new ArrayBufferWriter<byte>();
        w.Write(Http2ServerProtocol.Preface);
        Http2FrameWriter.WriteSettings(w, [(Http2SettingId.InitialWindowSize, 1000)]);
        var block = new ArrayBufferWriter<byte>();
        var encoder = new HpackEncoder();
        encoder.BeginBlock(block);
        encoder.Encode(block, ":method"u8, "GET"u8);
        encoder.Encode(block, ":scheme"u8, "http"u8);
        encoder.Encode(block, ":path"u8, "/big.bin"u8);
        encoder.Encode(block, ":authority"u8, "127.0.0.1"u8);
        Http2FrameWriter.WriteHeaders(w, 1, block.WrittenSpan, endStream: true, 16384);
        await stream.WriteAsync(w.WrittenMemory);

        var reader = new FrameReader(stream);
        var body = new MemoryStream();
        while (body.Length < 1000)
        {
            var (h, payload) = await reader.NextAsync();
            if (h.Type == Http2FrameType.Data && h.StreamId == 1)
            {
                body.Write(payload);
            }
            else if (h.Type == Http2FrameType.Settings && !h.Has(Http2FrameFlags.Ack))
            {
                // Acknowledged, or the server closes the connection after Http2Limits.SettingsTimeout.
                w.Clear();
                Http2FrameWriter.WriteFrame(w, Http2FrameType.Settings, Http2FrameFlags.Ack, 0, default);
                await stream.WriteAsync(w.WrittenMemory);
            }
        }

        // Two GOAWAYs (RFC 9113 section 6.8): 2^31-1 with a PING, then, once the PING is acknowledged, the real last stream.
        torsion.Terminate();
        var goAways = new List<int>();
        while (goAways.Count < 2)
        {
            var (h, payload) = await reader.NextAsync();
            if (h.Type == Http2FrameType.GoAway)
            {
                var (last, code) = Http2FrameReader.GoAway(payload);
                Assert.Equal(Http2ErrorCode.NoError, code);
                goAways.Add(last);
            }
            else if (h.Type == Http2FrameType.Ping && !h.Has(Http2FrameFlags.Ack))
            {
                Assert.Equal([int.MaxValue], goAways);
                w.Clear();
                Http2FrameWriter.WritePing(w, payload, ack: true);
                await stream.WriteAsync(w.WrittenMemory);
            }
            else if (h.Type == Http2FrameType.Data)
            {
                body.Write(payload);
            }
        }

        Assert.Equal([int.MaxValue, 1], goAways);
        w.Clear();
        Http2FrameWriter.WriteWindowUpdate(w, 0, 1 << 20);
        Http2FrameWriter.WriteWindowUpdate(w, 1, 1 << 20);
        await stream.WriteAsync(w.WrittenMemory);
        while (true)
        {
            var (h, payload) = await reader.NextAsync();
            if (h.Type == Http2FrameType.Data && h.StreamId == 1)
            {
                body.Write(payload);
                if (h.Has(Http2FrameFlags.EndStream))
                {
                    break;
                }
            }
        }

        Assert.Equal(content, body.ToArray());
        Assert.Equal(0, await reader.ReadToEndAsync());
        Assert.Equal(0, await torsion.WaitForExitAsync());
    }

    /// <summary>Reads whole frames from a socket stream.</summary>
    private sealed class FrameReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _length;

        public async Task<(Http2FrameHeader Header, byte[] Payload)> NextAsync()
        {
            while (true)
            {
                if (Http2FrameHeader.TryRead(_buffer.AsSpan(0, _length), out var h) && _length >= 9 + h.Length)
                {
                    var payload = _buffer.AsSpan(9, h.Length).ToArray();
                    _buffer.AsSpan(9 + h.Length, _length - 9 - h.Length).CopyTo(_buffer);
                    _length -= 9 + h.Length;
                    return (h, payload);
                }

                var n = await stream.ReadAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(TorsionProcess.Timeout);
                if (n == 0)
                {
                    throw new EndOfStreamException("The server closed the connection before the expected frame.");
                }

                _length += n;
            }
        }

        /// <summary>Reads until the server closes; returns the bytes left unread in frames (0: it closed cleanly after whole frames).</summary>
        public async Task<int> ReadToEndAsync()
        {
            while (await stream.ReadAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(TorsionProcess.Timeout) is var n && n > 0)
            {
                _length += n;
                while (Http2FrameHeader.TryRead(_buffer.AsSpan(0, _length), out var h) && _length >= 9 + h.Length)
                {
                    _buffer.AsSpan(9 + h.Length, _length - 9 - h.Length).CopyTo(_buffer);
                    _length -= 9 + h.Length;
                }
            }

            return _length;
        }
    }
}
