using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// <see cref="AgentOptions.Http2MultipleConnections"/> against a real Kestrel whose SETTINGS_MAX_CONCURRENT_STREAMS is
/// 2 (interop). The /barrier route answers only once all its requests are in progress at once, so a client that kept to
/// one connection (2 streams) would get no answer: the test shows the extra connections are really used concurrently.
/// </summary>
public sealed class AgentHttp2MultipleConnectionsKestrelTests : IDisposable
{
    private const int MaxStreams = 2;

    private readonly KestrelPeer _kestrel = KestrelPeer.WithMaxStreams(MaxStreams);
    private readonly RunningServer _reactor = new(reactor => new HttpServerFactory((request, response) => response.Finish(), reactor));

    public void Dispose()
    {
        _reactor.Dispose();
        _kestrel.Dispose();
    }

    private Agent NewAgent(bool tls) => new(_reactor.Reactor, new AgentOptions
    {
        Http2PriorKnowledge = !tls,
        Http2MultipleConnections = true,
        MaxConnectionsPerHost = 8,
        ResponseTimeout = TimeSpan.FromSeconds(30),
        TlsOptionsForHost = host =>
        {
            var options = TlsOptions.Client(host);
            options.TrustedRootsPemFile = _kestrel.CaFile;
            return options;
        },
    });

    private string Url(bool tls, string path) => tls ? $"https://127.0.0.1:{_kestrel.TlsPort}{path}" : $"http://127.0.0.1:{_kestrel.H2cPort}{path}";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Six_concurrent_requests_at_a_limit_of_two_streams_use_three_connections(bool tls)
    {
        var (answers, versions, opened) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = NewAgent(tls);
            var http = new WebHttp(agent);
            var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ => await http.Get(Url(tls, "/barrier/six/6"))));
            var texts = await Task.WhenAll(responses.Select(async r => $"{r.StatusCode} {await r.Text()}"));
            return (texts, responses.Select(r => r.Version).ToList(), agent.ConnectionsOpened);
        });

        Assert.All(answers, a => Assert.Matches("^200 \\S+ 6$", a));
        Assert.All(versions, v => Assert.Equal(HttpProtocolVersion.Http2, v));
        // Kestrel's connection ids: three connections, two streams each.
        var connections = answers.GroupBy(a => a.Split(' ')[1]).ToList();
        Assert.Equal(3, connections.Count);
        Assert.All(connections, c => Assert.Equal(MaxStreams, c.Count()));
        Assert.Equal(3, opened);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forty_concurrent_bodies_arrive_intact_over_at_most_the_per_host_limit_of_connections(bool tls)
    {
        var (bodies, opened) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var agent = NewAgent(tls);
            var http = new WebHttp(agent);
            var all = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i => await (await http.Get(Url(tls, $"/bytes/{20_000 + (997 * i)}"))).Content()));
            return (all, agent.ConnectionsOpened);
        });

        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.Equal(20_000 + (997 * i), bodies[i].Length);
            for (var j = 0; j < bodies[i].Length; j++)
            {
                Assert.Equal((byte)('a' + (j % 26)), bodies[i][j]);
            }
        }

        Assert.InRange(opened, 2, 8);
    }
}
