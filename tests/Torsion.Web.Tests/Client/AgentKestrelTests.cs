using Torsion.Web.Client;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Our client against a real Kestrel (ASP.NET Core) on 127.0.0.1 (interop).</summary>
public sealed class AgentKestrelTests : IDisposable
{
    private readonly KestrelPeer _kestrel = new();
    private readonly RunningServer _reactor = new(reactor => new Torsion.Web.Http.HttpServerFactory((request, response) => response.Finish(), reactor));

    public void Dispose()
    {
        _reactor.Dispose();
        _kestrel.Dispose();
    }

    private string Url(string path) => $"http://127.0.0.1:{_kestrel.Port}{path}";

    [Fact]
    public void Plaintext_over_http1()
    {
        var text = AgentLoopbackTests.OnReactor(_reactor, async () => await (await new WebHttp(new Agent(_reactor.Reactor)).Get(Url("/plaintext"))).Text());
        Assert.Equal("Hello, World!", text);
    }
}
