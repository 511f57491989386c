using System.Net;
using System.Text;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// <see cref="AgentOptions.Http2MultipleConnections"/> against our own server through the real reactor on 127.0.0.1:
/// h2c with a limit of 2 streams, and an https server that picks http/1.1 by ALPN.
/// </summary>
public sealed class AgentHttp2MultipleConnectionsLoopbackTests : IDisposable
{
    private const int Held = 6;

    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-h2multi-").FullName;
    private readonly List<(HttpServerRequest Request, HttpServerResponse Response)> _held = [];
    private readonly RunningServer _server;

    public AgentHttp2MultipleConnectionsLoopbackTests()
    {
        TestCertificates.Write(_dir);
        _server = new RunningServer(reactor => new HttpServerFactory(Handle, reactor, new HttpServerOptions
        {
            Http2 = new Http2Limits { MaxConcurrentStreams = 2 },
        }));
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    // /held/...: answered only once Held requests are in progress at once, each with its client's address (which
    // names its connection). Anything else: the version and path.
    private void Handle(HttpServerRequest request, HttpServerResponse response)
    {
        var path = Encoding.ASCII.GetString(request.Path);
        if (!path.StartsWith("/held/", StringComparison.Ordinal))
        {
            response.Write(Encoding.UTF8.GetBytes($"{request.Version} {path}"));
            response.Finish();
            return;
        }

        _held.Add((request, response));
        if (_held.Count == Held)
        {
            foreach (var (r, w) in _held)
            {
                w.Write(Encoding.UTF8.GetBytes($"{Encoding.ASCII.GetString(r.Path)} {r.Peer}"));
                w.Finish();
            }

            _held.Clear();
        }
    }

    private Agent NewAgent() => new(_server.Reactor, new AgentOptions
    {
        Http2PriorKnowledge = true,
        Http2MultipleConnections = true,
        ResponseTimeout = TimeSpan.FromSeconds(30),
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = Path.Combine(_dir, "ca.pem");
            return tls;
        },
    });

    [Fact]
    public void Six_requests_held_at_once_by_a_server_allowing_two_streams_use_three_connections()
    {
        var (answers, opened) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var agent = NewAgent();
            var http = new WebHttp(agent);
            var texts = await Task.WhenAll(Enumerable.Range(0, Held).Select(async i => await (await http.Get($"http://127.0.0.1:{_server.Port}/held/{i}")).Text()));
            return (texts, agent.ConnectionsOpened);
        });

        for (var i = 0; i < Held; i++)
        {
            Assert.StartsWith($"/held/{i} 127.0.0.1:", answers[i], StringComparison.Ordinal);
        }

        var connections = answers.GroupBy(a => a.Split(' ')[1]).ToList();
        Assert.Equal(3, connections.Count);
        Assert.All(connections, c => Assert.Equal(2, c.Count()));
        Assert.Equal(3, opened);
    }

    [Fact]
    public void An_https_server_that_picks_http1_gets_every_request_over_http1()
    {
        var tlsPort = AgentLoopbackTests.OnReactor(_server, () =>
        {
            var tls = TlsOptions.Server(Path.Combine(_dir, "cert.pem"), Path.Combine(_dir, "key.pem"));
            tls.ApplicationProtocols.Add("http/1.1");
            var port = _server.Reactor.ListenSsl(0, new HttpServerFactory(Handle, _server.Reactor), tls, 128, "127.0.0.1");
            return Task.FromResult(((IPEndPoint)port.Host).Port);
        });
        var (texts, versions) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var http = new WebHttp(NewAgent());
            var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i => await http.Get($"https://127.0.0.1:{tlsPort}/r{i}")));
            return (await Task.WhenAll(responses.Select(async r => await r.Text())), responses.Select(r => r.Version).ToList());
        });

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"Http11 /r{i}", texts[i]);
        }

        Assert.All(versions, v => Assert.Equal(HttpProtocolVersion.Http11, v));
    }
}
