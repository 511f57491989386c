using System.Text;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Our HTTP/2 client against a real Kestrel: h2 by ALPN over TLS, and h2c with prior knowledge (interop).</summary>
public sealed class AgentHttp2KestrelTests : IDisposable
{
    private readonly KestrelPeer _kestrel = new();
    private readonly RunningServer _reactor = new(reactor => new HttpServerFactory((request, response) => response.Finish(), reactor));

    public void Dispose()
    {
        _reactor.Dispose();
        _kestrel.Dispose();
    }

    private WebHttp TlsHttp(bool enableHttp2 = true) => new(_reactor.Reactor, TlsAgentOptions(enableHttp2));

    private Agent TlsAgent() => new(_reactor.Reactor, TlsAgentOptions(true));

    private AgentOptions TlsAgentOptions(bool enableHttp2) => new()
    {
        ResponseTimeout = TimeSpan.FromSeconds(30),
        EnableHttp2 = enableHttp2,
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = _kestrel.CaFile;
            return tls;
        },
    };

    private Agent H2cAgent() => new(_reactor.Reactor, new AgentOptions { Http2PriorKnowledge = true });

    private string Tls(string path) => $"https://127.0.0.1:{_kestrel.TlsPort}{path}";

    private string H2c(string path) => $"http://127.0.0.1:{_kestrel.H2cPort}{path}";

    private T Run<T>(Func<Task<T>> work) => AgentLoopbackTests.OnReactor(_reactor, work);

    [Fact]
    public void Alpn_negotiates_h2_and_kestrel_sees_http2()
    {
        var (text, version) = Run(async () =>
        {
            var response = await new WebHttp(TlsAgent()).Get(Tls("/protocol"));
            return (await response.Text(), response.Version);
        });
        Assert.Equal("HTTP/2", text);
        Assert.Equal(HttpProtocolVersion.Http2, version);
    }

    [Fact]
    public void Without_the_ca_the_h2_connection_is_refused_with_the_certificate_error()
    {
        var error = Assert.ThrowsAny<Exception>(() => Run(async () =>
            await new Agent(_reactor.Reactor).Request("GET", new Uri(Tls("/protocol")))));
        // The same exception as on the HTTP/1.1 path (AgentKestrelTests): never received, caused by the TLS failure.
        Assert.IsType<ResponseNeverReceivedException>(error);
        Assert.IsType<TlsException>(error.InnerException);
        Assert.Contains("server certificate verification failed: unknown issuer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabling_http2_falls_back_to_http1_over_tls()
    {
        var (text, version) = Run(async () =>
        {
            var response = await TlsHttp(enableHttp2: false).Get(Tls("/protocol"));
            return (await response.Text(), response.Version);
        });
        Assert.Equal("HTTP/1.1", text);
        Assert.Equal(HttpProtocolVersion.Http11, version);
    }

    [Fact]
    public void Prior_knowledge_speaks_h2c()
    {
        var text = Run(async () => await (await new WebHttp(H2cAgent()).Get(H2c("/protocol"))).Text());
        Assert.Equal("HTTP/2", text);
    }

    [Fact]
    public void A_megabyte_body_arrives_intact_over_h2()
    {
        var body = Run(async () => await (await new WebHttp(TlsAgent()).Get(Tls("/bytes/1000000"))).Content());
        Assert.Equal(1_000_000, body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            Assert.Equal((byte)('a' + (i % 26)), body[i]);
        }
    }

    [Fact]
    public void Hundred_concurrent_requests_share_one_connection()
    {
        var (texts, opened) = Run(async () =>
        {
            var agent = TlsAgent();
            var http = new WebHttp(agent);
            var tasks = Enumerable.Range(0, 100).Select(async i => await (await http.Get(Tls("/plaintext"))).Text()).ToList();
            var all = await Task.WhenAll(tasks);
            return (all, agent.ConnectionsOpened);
        });
        Assert.All(texts, t => Assert.Equal("Hello, World!", t));
        Assert.Equal(1, opened);
    }

    [Fact]
    public void Hundred_concurrent_h2c_requests_share_one_connection()
    {
        var (texts, opened) = Run(async () =>
        {
            var agent = H2cAgent();
            var http = new WebHttp(agent);
            var all = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i => await (await http.Get(H2c($"/bytes/{1000 + i}"))).Content()));
            return (all, agent.ConnectionsOpened);
        });
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(1000 + i, texts[i].Length);
        }

        Assert.Equal(1, opened);
    }

    [Fact]
    public void A_mebibyte_post_is_echoed()
    {
        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);
        var echoed = Run(async () =>
        {
            var response = await new WebHttp(TlsAgent()).Post(Tls("/echo"), payload, "application/octet-stream");
            return await response.Content();
        });
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public void Trailers_are_exposed_after_the_body()
    {
        var (text, trailer) = Run(async () =>
        {
            var response = await new WebHttp(TlsAgent()).Get(Tls("/trailers"));
            var body = await response.Text();
            return (body, response.Trailers.Get("x-checksum"));
        });
        Assert.NotEmpty(text);
        Assert.Equal("42", trailer);
    }

    [Fact]
    public void Gzip_redirects_and_cookies_work_through_the_wrappers()
    {
        var (gzip, redirected, cookie) = Run(async () =>
        {
            var http = TlsHttp();
            var g = await (await http.Get(Tls("/gzip"))).Text();
            var r = await (await http.Get(Tls("/redirect/3"))).Text();
            await (await http.Get(Tls("/cookie/set"))).Content();
            var c = await (await http.Get(Tls("/cookie/get"))).Text();
            return (g, r, c);
        });
        Assert.StartsWith("compressible text compressible text", gzip, StringComparison.Ordinal);
        Assert.Equal("done", redirected);
        Assert.Contains("peer=kestrel", cookie, StringComparison.Ordinal);
    }
}
