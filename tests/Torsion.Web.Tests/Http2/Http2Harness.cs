using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

/// <summary>An Http2ServerProtocol on a StringTransport, driven by a minimal client that encodes and decodes frames.</summary>
public sealed class Http2Harness
{
    private readonly HpackEncoder _encoder = new();
    private readonly HpackDecoder _decoder = new(4096, 1 << 20);
    private int _read;

    public Http2Harness(HttpHandler handler, HttpServerOptions? options = null, bool handshake = true)
    {
        Options = options ?? new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment) };
        Protocol = new Http2ServerProtocol(handler, Clock, Options);
        Transport.Connect(Protocol);
        if (handshake)
        {
            Send(Http2ServerProtocol.Preface.ToArray());
            Settings();
        }
    }

    public HttpServerOptions Options { get; }

    public HpackEncoder Encoder => _encoder;

    public Clock Clock { get; } = new();

    public StringTransport Transport { get; } = new();

    public Http2ServerProtocol Protocol { get; }

    public void Send(byte[] bytes) => Protocol.DataReceived(bytes);

    public void Frame(Http2FrameType type, Http2FrameFlags flags, int stream, ReadOnlySpan<byte> payload)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteFrame(w, type, flags, stream, payload);
        Send(w.WrittenSpan.ToArray());
    }

    public void Settings(params (Http2SettingId, uint)[] settings)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(w, settings);
        Send(w.WrittenSpan.ToArray());
    }

    public byte[] Block(params (string Name, string Value)[] fields)
    {
        var w = new ArrayBufferWriter<byte>();
        _encoder.BeginBlock(w);
        foreach (var (n, v) in fields)
        {
            _encoder.Encode(w, Encoding.Latin1.GetBytes(n), Encoding.Latin1.GetBytes(v));
        }

        return w.WrittenSpan.ToArray();
    }

    public void Headers(int stream, bool endStream, params (string, string)[] fields) =>
        Frame(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | (endStream ? Http2FrameFlags.EndStream : 0), stream, Block(fields));

    public void Get(int stream, string path = "/", params (string, string)[] extra) =>
        Headers(stream, true, [(":method", "GET"), (":scheme", "https"), (":path", path), (":authority", "example.com"), .. extra]);

    public void Data(int stream, string text, bool endStream) =>
        Frame(Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : 0, stream, Encoding.UTF8.GetBytes(text));

    /// <summary>The frames the server wrote since the last call.</summary>
    public List<Received> Read()
    {
        var all = Transport.Value();
        var list = new List<Received>();
        while (Http2FrameHeader.TryRead(all.AsSpan(_read), out var h) && all.Length - _read - 9 >= h.Length)
        {
            var payload = all.AsSpan(_read + 9, h.Length).ToArray();
            _read += 9 + h.Length;
            List<(string, string)>? fields = null;
            if (h.Type is Http2FrameType.Headers or Http2FrameType.Continuation)
            {
                var c = new Collector();
                _decoder.Decode(payload, c);
                fields = c.Fields;
            }

            list.Add(new Received(h, payload, fields));
        }

        return list;
    }

    /// <summary>Asserts the server sent GOAWAY with <paramref name="code"/> and is closing the connection.</summary>
    public void AssertGoAway(Http2ErrorCode code)
    {
        var goAway = Read().Last(f => f.Header.Type == Http2FrameType.GoAway);
        Assert.Equal(code, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4)));
        Assert.True(Transport.Disconnecting || Transport.Aborted);
    }

    public static HttpHandler Hello => (request, response) =>
    {
        response.AddHeader("Content-Type"u8, "text/plain"u8);
        response.Write("Hello, World!"u8);
        response.Finish();
    };

    public sealed record Received(Http2FrameHeader Header, byte[] Payload, List<(string Name, string Value)>? Fields)
    {
        public string Text => Encoding.UTF8.GetString(Payload);

        public string? Field(string name) => Fields?.FirstOrDefault(f => f.Name == name).Value;
    }

    private sealed class Collector : IHpackHeaderReceiver
    {
        public List<(string, string)> Fields { get; } = [];

        public void HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
