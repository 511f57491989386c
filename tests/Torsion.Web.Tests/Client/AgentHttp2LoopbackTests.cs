using System.Net;
using System.Security.Cryptography;
using System.Text;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Our HTTP/2 client against our own HTTP/2 server through the real reactor on 127.0.0.1 (h2c and TLS with ALPN).</summary>
public sealed class AgentHttp2LoopbackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-h2client-").FullName;
    private readonly RunningServer _server;
    private readonly int _tlsPort;

    public AgentHttp2LoopbackTests()
    {
        TestCertificates.Write(_dir);
        _server = new RunningServer(reactor => new HttpServerFactory(Handle, reactor));
        _tlsPort = AgentLoopbackTests.OnReactor(_server, () =>
        {
            var tls = TlsOptions.Server(Path.Combine(_dir, "cert.pem"), Path.Combine(_dir, "key.pem"));
            tls.ApplicationProtocols.Add("h2");
            tls.ApplicationProtocols.Add("http/1.1");
            var port = _server.Reactor.ListenSsl(0, new HttpServerFactory(Handle, _server.Reactor), tls, 128, "127.0.0.1");
            return Task.FromResult(((IPEndPoint)port.Host).Port);
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static void Handle(HttpServerRequest request, HttpServerResponse response)
    {
        var path = Encoding.ASCII.GetString(request.Path);
        if (path == "/echo")
        {
            request.ReadBody(new EchoBody(response));
            return;
        }

        response.Write(Encoding.UTF8.GetBytes($"{request.Version} {path}"));
        response.Finish();
    }

    private WebHttp H2c() => new(_server.Reactor, new AgentOptions { Http2PriorKnowledge = true });

    private WebHttp Tls() => new(_server.Reactor, new AgentOptions
    {
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = Path.Combine(_dir, "ca.pem");
            return tls;
        },
    });

    [Fact]
    public void Prior_knowledge_reaches_our_server_over_http2()
    {
        var text = AgentLoopbackTests.OnReactor(_server, async () => await (await H2c().Get($"http://127.0.0.1:{_server.Port}/hello")).Text());
        Assert.Equal("Http2 /hello", text);
    }

    [Fact]
    public void Alpn_reaches_our_server_over_http2()
    {
        var (text, version) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var response = await Tls().Get($"https://127.0.0.1:{_tlsPort}/hello");
            return (await response.Text(), response.Version);
        });
        Assert.Equal("Http2 /hello", text);
        Assert.Equal(HttpProtocolVersion.Http2, version);
    }

    [Fact]
    public void Fifty_concurrent_requests_and_uploads_share_one_connection()
    {
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);
        var (texts, echoed, opened) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var http = H2c();
            var gets = Enumerable.Range(0, 50).Select(async i => await (await http.Get($"http://127.0.0.1:{_server.Port}/r{i}")).Text()).ToList();
            var post = (await http.Post($"http://127.0.0.1:{_server.Port}/echo", payload)).Content().AsTask();
            return (await Task.WhenAll(gets), await post, http.BaseAgent!.ConnectionsOpened);
        });
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal($"Http2 /r{i}", texts[i]);
        }

        Assert.Equal(payload, echoed);
        Assert.Equal(1, opened);
    }
}
