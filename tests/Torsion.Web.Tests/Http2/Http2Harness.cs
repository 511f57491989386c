using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

/// <summary>An Http2ServerProtocol on a StringTransport, driven by a minimal client that encodes and decodes frames.</summary>
public sealed class Http2Harness : Http2PeerHarness
{
    public Http2Harness(HttpHandler handler, HttpServerOptions? options = null, bool handshake = true)
    {
        Options = options ?? new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment) };
        Protocol = new Http2ServerProtocol(handler, Clock, Options);
        Transport.Connect(Protocol);
        if (handshake)
        {
            Send(Http2ServerProtocol.Preface.ToArray());
            Settings();
            SettingsAck();
        }
    }

    public HttpServerOptions Options { get; }

    public Http2ServerProtocol Protocol { get; }

    public override void Send(byte[] bytes) => Protocol.DataReceived(bytes);

    public void Get(int stream, string path = "/", params (string, string)[] extra) =>
        Headers(stream, true, [(":method", "GET"), (":scheme", "https"), (":path", path), (":authority", "example.com"), .. extra]);

    public void Data(int stream, string text, bool endStream) =>
        Frame(Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : 0, stream, Encoding.UTF8.GetBytes(text));

    public static HttpHandler Hello => (request, response) =>
    {
        response.AddHeader("Content-Type"u8, "text/plain"u8);
        response.Write("Hello, World!"u8);
        response.Finish();
    };
}
