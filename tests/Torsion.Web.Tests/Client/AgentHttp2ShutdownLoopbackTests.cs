using System.Net;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// Our Agent against our server through the real reactor on 127.0.0.1 while the server shuts down in two steps
/// (RFC 9113 section 6.8): every request gets its response, none is lost.
/// </summary>
public sealed class AgentHttp2ShutdownLoopbackTests : IDisposable
{
    private readonly List<NegotiatingHttpProtocol> _connections = [];
    private readonly List<HttpServerResponse> _held = [];
    private readonly RunningServer _server;
    private Action? _onR10;

    public AgentHttp2ShutdownLoopbackTests()
    {
        // The final GOAWAY waits for the PING's ACK: a 30 s timeout keeps a slow machine from deciding it instead.
        var options = new HttpServerOptions { Http2 = new Http2Limits { ShutdownPingTimeout = TimeSpan.FromSeconds(30) } };
        _server = new RunningServer(reactor => new RecordingFactory(Handle, reactor, options, _connections));
    }

    public void Dispose() => _server.Dispose();

    private void Handle(HttpServerRequest request, HttpServerResponse response)
    {
        var path = Encoding.ASCII.GetString(request.Path);
        if (path == "/hold")
        {
            _held.Add(response);
            return;
        }

        response.Write(Encoding.UTF8.GetBytes($"{request.Version} {path}"));
        response.Finish();
        if (path == "/r10")
        {
            _onR10?.Invoke();
        }
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.Port}{path}";

    [Fact]
    public void A_connection_shut_down_with_requests_in_flight_answers_them_all_and_new_ones_go_to_a_new_connection()
    {
        _onR10 = () => _connections[0].Shutdown();
        var (first, second, held, opened) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var http = new WebHttp(_server.Reactor, new AgentOptions { Http2PriorKnowledge = true });

            // All 51 requests are written before the client can read the first GOAWAY (sent while /r10 is answered):
            // the server serves every one of them on the first connection.
            var hold = http.Get(Url("/hold"));
            var wave = Enumerable.Range(0, 50).Select(async i => await (await http.Get(Url($"/r{i}"))).Text()).ToList();
            var firstTexts = await Task.WhenAll(wave);
            var openedAfterFirst = http.BaseAgent!.ConnectionsOpened;

            // The first connection still drains (/hold is open) and takes no new request: these open a second one.
            var secondTexts = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i => await (await http.Get(Url($"/s{i}"))).Text()));
            Assert.Single(_held);
            _held[0].Write("held"u8);
            _held[0].Finish();
            var heldText = await (await hold).Text();
            return (firstTexts, secondTexts, heldText, (openedAfterFirst, http.BaseAgent!.ConnectionsOpened));
        });

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Http2 /r{i}"), first);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"Http2 /s{i}"), second);
        Assert.Equal("held", held);
        Assert.Equal((1, 2), opened);
        Assert.Equal(2, _connections.Count);
    }

    [Fact]
    public void A_server_shutdown_with_requests_in_flight_answers_them_all_then_closes()
    {
        Deferred<Unit>? shutdown = null;
        _onR10 = () => shutdown = ((HttpServerFactory)_server.Factory!).Shutdown(TimeSpan.FromSeconds(20), _server.Reactor);
        var (texts, opened) = AgentLoopbackTests.OnReactor(_server, async () =>
        {
            var http = new WebHttp(_server.Reactor, new AgentOptions { Http2PriorKnowledge = true });
            var texts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i => await (await http.Get(Url($"/r{i}"))).Text()));
            await shutdown!;
            return (texts, http.BaseAgent!.ConnectionsOpened);
        });

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"Http2 /r{i}"), texts);
        Assert.Equal(1, opened);
        Assert.Single(_connections);
    }

    /// <summary>An HttpServerFactory that keeps the protocols it builds, so that a test can shut one connection down.</summary>
    private sealed class RecordingFactory(HttpHandler handler, IReactorTime time, HttpServerOptions options, List<NegotiatingHttpProtocol> built)
        : HttpServerFactory(handler, time, options)
    {
        public override IProtocol? BuildProtocol(EndPoint peer)
        {
            var protocol = base.BuildProtocol(peer);
            if (protocol is NegotiatingHttpProtocol negotiating)
            {
                built.Add(negotiating);
            }

            return protocol;
        }
    }
}
