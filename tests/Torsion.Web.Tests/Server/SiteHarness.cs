using System.Net;
using System.Text;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Web.Http;
using Torsion.Web.Server;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Server;

public sealed class SiteHarness
{
    public SiteHarness(Resource root, HttpServerOptions? options = null)
    {
        Site = new Site(root, Clock, options ?? new HttpServerOptions { TimeProvider = new FixedTime(FixedTime.Moment) });
    }

    public Clock Clock { get; } = new();

    public Site Site { get; }

    /// <summary>Sends <paramref name="request"/> on a new connection and returns what was written.</summary>
    public string Fetch(string request)
    {
        var transport = new StringTransport();
        var protocol = (IProtocol)Site.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5555))!;
        transport.Connect(protocol);
        protocol.DataReceived(Encoding.Latin1.GetBytes(request));
        return Encoding.Latin1.GetString(transport.Value());
    }

    public (StringTransport Transport, IProtocol Protocol) Open()
    {
        var transport = new StringTransport();
        var protocol = (IProtocol)Site.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 5555))!;
        transport.Connect(protocol);
        return (transport, protocol);
    }

    public static string Get(string path, string extra = "") => $"GET {path} HTTP/1.1\r\nHost: example.com\r\n{extra}\r\n";

    public static string Body(string response) => response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
}
