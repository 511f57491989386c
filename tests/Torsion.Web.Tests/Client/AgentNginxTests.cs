using System.Net;
using Torsion.Defer;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Our client against a real nginx on 127.0.0.1 (interop).</summary>
public sealed class AgentNginxTests : IDisposable
{
    private readonly NginxPeer _nginx = new();
    private readonly RunningServer _reactor = new(reactor => new Torsion.Web.Http.HttpServerFactory((request, response) => response.Finish(), reactor));

    public void Dispose()
    {
        _reactor.Dispose();
        _nginx.Dispose();
    }

    private sealed class LocalhostResolver : Torsion.Endpoints.IHostResolver
    {
        public Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName) =>
            hostName == "localhost" ? Deferred.Succeed<IReadOnlyList<IPAddress>>([IPAddress.Loopback]) : Deferred.Fail<IReadOnlyList<IPAddress>>(new Torsion.Transports.DnsLookupException($"no test address for {hostName}"));
    }

    private string Url(string path) => $"http://127.0.0.1:{_nginx.Port}{path}";

    [Fact]
    public void Static_file_bytes_match()
    {
        var body = AgentLoopbackTests.OnReactor(_reactor, async () => await (await new WebHttp(new Agent(_reactor.Reactor)).Get(Url("/blob.bin"))).Content());
        Assert.Equal(_nginx.Blob, body);
    }

    [Fact]
    public void Keep_alive_reuses_one_connection_for_many_requests()
    {
        var opened = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            for (var i = 0; i < 20; i++)
            {
                var response = await agent.Request("GET", new Uri(Url(i % 2 == 0 ? "/hello" : "/blob.bin")));
                await response.ReadBody();
            }

            return agent.ConnectionsOpened;
        });
        Assert.Equal(1, opened);
        var connections = _nginx.AccessLog().Select(l => l.Split(' ')[0]).Distinct().ToList();
        Assert.Single(connections);
        Assert.Equal(20, _nginx.AccessLog().Length);
    }

    [Fact]
    public void Gzip_response_is_decoded()
    {
        var (text, head) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var raw = await new Agent(_reactor.Reactor).Request("GET", new Uri(Url("/text.txt")), new Headers().Add("Accept-Encoding", "gzip"));
            await raw.ReadBody();
            var response = await new WebHttp(_reactor.Reactor).Get(Url("/text.txt"));
            return (await response.Text(), raw.Headers.Get("Content-Encoding"));
        });
        Assert.Equal("gzip", head);
        Assert.Equal(_nginx.Text, text);
    }

    [Fact]
    public void Redirect_is_followed()
    {
        var text = AgentLoopbackTests.OnReactor(_reactor, async () => await (await new WebHttp(_reactor.Reactor).Get(Url("/moved"))).Text());
        Assert.Equal("hello from nginx\n", text);
    }

    [Fact]
    public void Https_with_a_trusted_ca_reads_the_file()
    {
        var body = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = new Agent(_reactor.Reactor, new AgentOptions
            {
                Resolver = new LocalhostResolver(),
                TlsOptionsForHost = host =>
                {
                    var tls = TlsOptions.Client(host);
                    tls.TrustedRootsPemFile = _nginx.CaFile;
                    return tls;
                },
            });
            var first = await (await agent.Request("GET", new Uri($"https://localhost:{_nginx.TlsPort}/blob.bin"))).ReadBody();
            var second = await (await agent.Request("GET", new Uri($"https://localhost:{_nginx.TlsPort}/hello"))).ReadBody();
            return (first, second, agent.ConnectionsOpened);
        });
        Assert.Equal(_nginx.Blob, body.first);
        Assert.Equal("hello from nginx\n"u8.ToArray(), body.second);
        Assert.Equal(1, body.ConnectionsOpened);
    }

    [Fact]
    public void Https_with_an_untrusted_certificate_fails()
    {
        Assert.ThrowsAny<Exception>(() => AgentLoopbackTests.OnReactor(_reactor, async () =>
            await new Agent(_reactor.Reactor, new AgentOptions { Resolver = new LocalhostResolver() }).Request("GET", new Uri($"https://localhost:{_nginx.TlsPort}/hello"))));
    }
}
