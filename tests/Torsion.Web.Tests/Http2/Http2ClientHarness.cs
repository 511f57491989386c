using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Web.Client;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

/// <summary>An Http2ClientProtocol on a StringTransport, driven by a minimal server that encodes and decodes frames.</summary>
public sealed class Http2ClientHarness
{
    private readonly HpackEncoder _encoder = new();
    private readonly HpackDecoder _decoder = new(4096, 1 << 20);
    private int _read;

    public Http2ClientHarness(AgentOptions? options = null, bool handshake = true)
    {
        Protocol = new Http2ClientProtocol(Clock, options ?? new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(10) }, "https");
        Transport.Connect(Protocol);
        Assert.True(Transport.Value().AsSpan().StartsWith(Http2ServerProtocol.Preface));
        _read = Http2ServerProtocol.Preface.Length;
        if (handshake)
        {
            Settings();
        }
    }

    public Clock Clock { get; } = new();

    public StringTransport Transport { get; } = new();

    internal Http2ClientProtocol Protocol { get; }

    internal Deferred<HttpResponse> Request(string method, string path, IBodyProducer? body = null, Headers? headers = null)
    {
        var uri = new Uri($"https://example.com{path}");
        return Protocol.Request(new HttpRequestSpec(method, uri, uri.PathAndQuery, headers ?? new Headers(), body));
    }

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

    public void Respond(int stream, int status = 200, bool endStream = false, params (string, string)[] extra) =>
        Headers(stream, endStream, [(":status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), .. extra]);

    public void Data(int stream, string text, bool endStream) => Data(stream, Encoding.UTF8.GetBytes(text), endStream);

    public void Data(int stream, byte[] bytes, bool endStream) =>
        Frame(Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : 0, stream, bytes);

    public void WindowUpdate(int stream, int increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        Frame(Http2FrameType.WindowUpdate, 0, stream, payload);
    }

    public void Reset(int stream, Http2ErrorCode code)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        Frame(Http2FrameType.RstStream, 0, stream, payload);
    }

    public void GoAway(int lastStream, Http2ErrorCode code)
    {
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteGoAway(w, lastStream, code, "bye"u8);
        Send(w.WrittenSpan.ToArray());
    }

    /// <summary>The frames the client wrote since the last call.</summary>
    public List<Http2Harness.Received> Read()
    {
        var all = Transport.Value();
        var list = new List<Http2Harness.Received>();
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

            list.Add(new Http2Harness.Received(h, payload, fields));
        }

        return list;
    }

    /// <summary>Asserts the client sent GOAWAY with <paramref name="code"/> and is closing the connection.</summary>
    public void AssertGoAway(Http2ErrorCode code)
    {
        var goAway = Read().Last(f => f.Header.Type == Http2FrameType.GoAway);
        Assert.Equal(code, (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(goAway.Payload.AsSpan(4)));
        Assert.True(Transport.Disconnecting || Transport.Aborted);
    }

    public static Http2ErrorCode Code(Http2Harness.Received frame) => (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload);

    /// <summary>A body reader that keeps what it got and can pause its transport.</summary>
    public sealed class Reader : Protocol
    {
        public MemoryStream Bytes { get; } = new();

        public Exception? Ended { get; private set; }

        public string Text => Encoding.UTF8.GetString(Bytes.ToArray());

        public override void DataReceived(ReadOnlySpan<byte> data) => Bytes.Write(data);

        public override void ConnectionLost(Exception reason) => Ended = reason;
    }

    private sealed class Collector : IHpackHeaderReceiver
    {
        public List<(string, string)> Fields { get; } = [];

        public void HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }
}
