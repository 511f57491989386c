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
public sealed class Http2ClientHarness : Http2PeerHarness
{
    public Http2ClientHarness(AgentOptions? options = null, bool handshake = true)
    {
        Protocol = new Http2ClientProtocol(Clock, options ?? new AgentOptions { ResponseTimeout = TimeSpan.FromSeconds(10) }, "https");
        Transport.Connect(Protocol);
        Assert.True(Transport.Value().AsSpan().StartsWith(Http2ServerProtocol.Preface));
        ReadOffset = Http2ServerProtocol.Preface.Length;
        if (handshake)
        {
            Settings();
            SettingsAck();
        }
    }

    internal Http2ClientProtocol Protocol { get; }

    internal Deferred<HttpResponse> Request(string method, string path, IBodyProducer? body = null, Headers? headers = null)
    {
        var uri = new Uri($"https://example.com{path}");
        return Protocol.Request(new HttpRequestSpec(method, uri, uri.PathAndQuery, headers ?? new Headers(), body));
    }

    public override void Send(byte[] bytes) => Protocol.DataReceived(bytes);

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
}
