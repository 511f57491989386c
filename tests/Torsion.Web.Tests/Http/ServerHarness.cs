using System.Text;
using Torsion.Testing;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Http;

/// <summary>An HttpServerProtocol on a StringTransport with a Clock.</summary>
public sealed class ServerHarness
{
    public ServerHarness(HttpHandler handler, HttpServerOptions? options = null)
    {
        Options = options ?? new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment) };
        Protocol = new HttpServerProtocol(handler, Clock, Options);
        Transport.Connect(Protocol);
    }

    public HttpServerOptions Options { get; }

    public Clock Clock { get; } = new();

    public StringTransport Transport { get; } = new();

    public HttpServerProtocol Protocol { get; }

    public void Send(string text) => Protocol.DataReceived(Encoding.Latin1.GetBytes(text));

    public string Output() => Encoding.Latin1.GetString(Transport.Value());

    public string Take()
    {
        var s = Output();
        Transport.Clear();
        return s;
    }

    public static HttpHandler Hello => (request, response) =>
    {
        response.AddHeader("Content-Type"u8, "text/plain"u8);
        response.Write("Hello, World!"u8);
        response.Finish();
    };
}
