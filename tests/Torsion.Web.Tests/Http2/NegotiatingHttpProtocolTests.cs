using System.Buffers;
using System.Text;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

public sealed class NegotiatingHttpProtocolTests
{
    private static (NegotiatingHttpProtocol Protocol, StringTransport Transport) Open()
    {
        var protocol = new NegotiatingHttpProtocol(Http2Harness.Hello, new Clock(), new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment) });
        var transport = new StringTransport();
        transport.Connect(protocol);
        return (protocol, transport);
    }

    [Fact]
    public void Http1_request_is_served_by_http1()
    {
        var (p, t) = Open();
        p.DataReceived("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);
        Assert.StartsWith("HTTP/1.1 200 OK", t.ValueString());
        Assert.Null(p.Http2);
    }

    [Fact]
    public void Http1_request_starting_like_the_preface_is_served_by_http1()
    {
        var (p, t) = Open();
        p.DataReceived("P"u8);
        p.DataReceived("OST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"u8);
        Assert.StartsWith("HTTP/1.1 200 OK", t.ValueString());
    }

    [Fact]
    public void Preface_in_pieces_switches_to_http2()
    {
        var (p, t) = Open();
        var preface = Http2ServerProtocol.Preface.ToArray();
        p.DataReceived(preface.AsSpan(0, 5));
        Assert.Empty(t.Value());
        var w = new ArrayBufferWriter<byte>();
        w.Write(preface.AsSpan(5));
        Http2FrameWriter.WriteSettings(w, []);
        p.DataReceived(w.WrittenSpan);
        Assert.NotNull(p.Http2);
        Assert.True(Http2FrameHeader.TryRead(t.Value(), out var first));
        Assert.Equal(Http2FrameType.Settings, first.Type);
    }

    [Fact]
    public void Upgrade_h2c_answers_101_then_the_request_on_stream_1()
    {
        var (p, t) = Open();
        p.DataReceived("GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"u8);
        var text = Encoding.Latin1.GetString(t.Value());
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", text);
        Assert.NotNull(p.Http2);
        var frames = t.Value().AsSpan(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4);
        var types = new List<(Http2FrameType, int)>();
        while (Http2FrameHeader.TryRead(frames, out var h))
        {
            types.Add((h.Type, h.StreamId));
            frames = frames[(9 + h.Length)..];
        }

        Assert.Equal(Http2FrameType.Settings, types[0].Item1);
        Assert.Contains((Http2FrameType.Headers, 1), types);
        Assert.Contains((Http2FrameType.Data, 1), types);
    }
}
