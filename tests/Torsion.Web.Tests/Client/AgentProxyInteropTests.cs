using System.Text;
using Torsion.TestPeers;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// Our client through a real HTTP proxy (tinyproxy, Basic authentication, CONNECT allowed to Kestrel's TLS port and to
/// one closed port) to a real Kestrel on 127.0.0.1: https through CONNECT tunnels, and plain http in absolute form.
/// </summary>
public sealed class AgentProxyInteropTests : IClassFixture<KestrelPeer>, IDisposable
{
    private readonly KestrelPeer _kestrel;
    private readonly int _closedPort = PeerStart.FreePort();
    private readonly TinyproxyPeer _proxy;
    private readonly RunningServer _reactor = new(reactor => new Torsion.Web.Http.HttpServerFactory((request, response) => response.Finish(), reactor));

    public AgentProxyInteropTests(KestrelPeer kestrel)
    {
        _kestrel = kestrel;
        _proxy = new TinyproxyPeer(kestrel.TlsPort, _closedPort);
    }

    public void Dispose()
    {
        _reactor.Dispose();
        _proxy.Dispose();
    }

    private AgentOptions TrustingTheCa => new()
    {
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = _kestrel.CaFile;
            return tls;
        },
    };

    private Exception Failure(Uri proxy, Uri target, AgentOptions? options = null) =>
        Assert.ThrowsAny<Exception>(() => AgentLoopbackTests.OnReactor(_reactor, async () =>
            await new ProxyAgent(_reactor.Reactor, proxy, options ?? TrustingTheCa).Request("GET", target)));

    [Theory]
    [InlineData(false, "HTTP/1.1")]
    [InlineData(true, "HTTP/2")]
    public void Https_goes_through_a_connect_tunnel_with_the_origin_verified(bool http2, string expected)
    {
        var options = new AgentOptions { TlsOptionsForHost = TrustingTheCa.TlsOptionsForHost, EnableHttp2 = http2 };
        var (protocol, bytes) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = new ProxyAgent(_reactor.Reactor, _proxy.Uri, options);
            var first = await agent.Request("GET", new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/protocol"));
            var p = Encoding.UTF8.GetString(await first.ReadBody());
            var second = await agent.Request("GET", new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/bytes/200000"));
            return (p, await second.ReadBody());
        });
        Assert.Equal(expected, protocol);
        Assert.Equal(AgentKestrelTests.Alphabet(200000), bytes);
        // One tunnel carried both requests: tinyproxy logged a single CONNECT.
        Assert.Single(_proxy.Log().Split('\n'), l => l.Contains($"CONNECT 127.0.0.1:{_kestrel.TlsPort}", StringComparison.Ordinal) && l.Contains("Request", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Request_bodies_go_through_the_tunnel_chunked_and_fixed(bool http2)
    {
        var options = new AgentOptions { TlsOptionsForHost = TrustingTheCa.TlsOptionsForHost, EnableHttp2 = http2 };
        var pieces = Enumerable.Range(0, 20).Select(i => Enumerable.Range(0, 5000 + i).Select(j => (byte)(i + j)).ToArray()).ToList();
        var fixedBody = AgentKestrelTests.Alphabet(300_000);
        var (chunked, fixedEcho) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = new ProxyAgent(_reactor.Reactor, _proxy.Uri, options);
            var target = new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/echo");
            var first = await (await agent.Request("POST", target, null, new PiecewiseBodyProducer(_reactor.Reactor, pieces))).ReadBody();
            var second = await (await agent.Request("POST", target, null, new BytesBodyProducer(fixedBody))).ReadBody();
            return (first, second);
        });
        Assert.Equal(pieces.SelectMany(p => p).ToArray(), chunked);
        Assert.Equal(fixedBody, fixedEcho);
    }

    [Fact]
    public void Origin_certificate_is_verified_inside_the_tunnel()
    {
        var error = Failure(_proxy.Uri, new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/protocol"), new AgentOptions());
        Assert.IsType<ResponseNeverReceivedException>(error);
        Assert.Contains($"TLS handshake with 127.0.0.1:{_proxy.Port} failed: server certificate verification failed: unknown issuer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_credentials_fail_with_407()
    {
        var error = Assert.IsType<ProxyTunnelException>(Failure(_proxy.AnonymousUri, new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/protocol")));
        Assert.Equal(407, error.StatusCode);
        Assert.StartsWith($"The proxy refused CONNECT 127.0.0.1:{_kestrel.TlsPort}: 407 ", error.Message);
        Assert.EndsWith("(the proxy wants credentials: put user:password in the proxy URI).", error.Message);
    }

    [Fact]
    public void Wrong_credentials_are_refused_with_401_by_tinyproxy()
    {
        var wrong = new Uri($"http://{TinyproxyPeer.User}:wrong@127.0.0.1:{_proxy.Port}");
        var error = Assert.IsType<ProxyTunnelException>(Failure(wrong, new Uri($"https://127.0.0.1:{_kestrel.TlsPort}/protocol")));
        Assert.Equal(401, error.StatusCode); // tinyproxy 1.11 answers wrong credentials with 401, missing ones with 407
        Assert.EndsWith("(the proxy rejected the credentials of the proxy URI).", error.Message);
    }

    [Fact]
    public void Tunnel_to_a_port_the_proxy_does_not_allow_fails_with_403()
    {
        var error = Assert.IsType<ProxyTunnelException>(Failure(_proxy.Uri, new Uri($"https://127.0.0.1:{_kestrel.Port}/protocol")));
        Assert.Equal(403, error.StatusCode);
        Assert.StartsWith($"The proxy refused CONNECT 127.0.0.1:{_kestrel.Port}: 403 ", error.Message);
    }

    [Fact]
    public void Tunnel_to_a_closed_port_fails_with_the_proxy_status()
    {
        var error = Assert.IsType<ProxyTunnelException>(Failure(_proxy.Uri, new Uri($"https://127.0.0.1:{_closedPort}/")));
        Assert.InRange(error.StatusCode, 500, 504);
        Assert.StartsWith($"The proxy refused CONNECT 127.0.0.1:{_closedPort}: {error.StatusCode} ", error.Message);
    }

    [Fact]
    public void Plain_http_goes_to_the_proxy_in_absolute_form_with_credentials()
    {
        var text = AgentLoopbackTests.OnReactor(_reactor, async () =>
            Encoding.UTF8.GetString(await (await new ProxyAgent(_reactor.Reactor, _proxy.Uri).Request("GET", new Uri($"http://127.0.0.1:{_kestrel.Port}/plaintext"))).ReadBody()));
        Assert.Equal("Hello, World!", text);
        Assert.Contains($"GET http://127.0.0.1:{_kestrel.Port}/plaintext", _proxy.Log(), StringComparison.Ordinal);
    }
}
