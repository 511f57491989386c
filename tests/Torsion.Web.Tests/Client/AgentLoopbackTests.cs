using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Agent and Http against Torsion's own HTTP server through the real reactor on 127.0.0.1.</summary>
public sealed class AgentLoopbackTests
{
    /// <summary>Runs <paramref name="work"/> on the reactor thread and waits for it, failing after the test timeout.</summary>
    internal static T OnReactor<T>(RunningServer server, Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Reactor.CallFromThread(async () =>
        {
            try
            {
                done.SetResult(await work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.WaitAsync(RunningServer.Timeout).GetAwaiter().GetResult();
    }

    private static RunningServer Serve(HttpHandler handler) => new(reactor => new HttpServerFactory(handler, reactor));

    [Fact]
    public void Sequential_requests_share_one_connection()
    {
        var peers = new HashSet<string>();
        using var server = Serve((request, response) =>
        {
            peers.Add(request.Peer.ToString()!);
            response.Write(request.Path);
            response.Finish();
        });
        var url = $"http://127.0.0.1:{server.Port}";
        var (texts, opened) = OnReactor(server, async () =>
        {
            var agent = new Agent(server.Reactor);
            var http = new WebHttp(agent);
            var list = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                var response = await http.Get($"{url}/r{i}");
                list.Add(await response.Text());
            }

            return (list, agent.ConnectionsOpened);
        });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"/r{i}"), texts);
        Assert.Equal(1, opened);
        Assert.Single(peers);
    }

    [Fact]
    public void Concurrent_requests_open_at_most_the_per_host_limit()
    {
        var peers = new HashSet<string>();
        using var server = Serve((request, response) =>
        {
            peers.Add(request.Peer.ToString()!);
            response.Write("ok");
            response.Finish();
        });
        var url = new Uri($"http://127.0.0.1:{server.Port}/");
        var bodies = OnReactor(server, async () =>
        {
            var agent = new Agent(server.Reactor, new AgentOptions { MaxConnectionsPerHost = 3 });
            var all = Enumerable.Range(0, 30).Select(_ => agent.Request("GET", url).AddCallback(r => r.ReadBody())).ToList();
            var results = await Deferred.Gather(all);
            return results.Select(b => Encoding.ASCII.GetString(b)).ToList();
        });
        Assert.All(bodies, b => Assert.Equal("ok", b));
        Assert.InRange(peers.Count, 1, 3);
    }

    [Fact]
    public void Chunked_response_is_read()
    {
        using var server = Serve((request, response) =>
        {
            for (var i = 0; i < 5; i++)
            {
                response.Write($"part{i};");
                response.Flush();
            }

            response.Finish();
        });
        var (te, text) = OnReactor(server, async () =>
        {
            var response = await new WebHttp(server.Reactor).Get($"http://127.0.0.1:{server.Port}/");
            return (response.Headers.Get("Transfer-Encoding"), await response.Text());
        });
        Assert.Equal("chunked", te);
        Assert.Equal("part0;part1;part2;part3;part4;", text);
    }

    private sealed class PausingCounter(Action<PausingCounter> onFirstData) : Protocol
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private bool _first = true;

        public long Count { get; private set; }

        public TaskCompletionSource<byte[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            Count += data.Length;
            _hash.AppendData(data);
            if (_first)
            {
                _first = false;
                onFirstData(this);
            }
        }

        public override void ConnectionLost(Exception reason)
        {
            if (reason is ResponseDoneException)
            {
                Done.SetResult(_hash.GetHashAndReset());
            }
            else
            {
                Done.SetException(reason);
            }
        }
    }

    [Fact]
    public void Sixteen_mib_body_streams_under_flow_control()
    {
        var body = new byte[16 * 1024 * 1024];
        new Random(7).NextBytes(body);
        using var server = Serve((request, response) =>
        {
            response.ContentLength = body.Length;
            for (var i = 0; i < body.Length; i += 1024 * 1024)
            {
                response.Write(body.AsSpan(i, 1024 * 1024));
            }

            response.Finish();
        });
        var (countWhenPaused, countAfterPause, hash) = OnReactor(server, async () =>
        {
            var response = await new Agent(server.Reactor).Request("GET", new Uri($"http://127.0.0.1:{server.Port}/big"));
            var paused = new TaskCompletionSource<(long, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var counter = new PausingCounter(c =>
            {
                c.Transport.PauseProducing();
                var at = c.Count;
                // While paused, the reactor reads nothing more from the socket: the count must not move.
                server.Reactor.CallLater(TimeSpan.FromMilliseconds(200), () =>
                {
                    paused.SetResult((at, c.Count));
                    c.Transport.ResumeProducing();
                });
            });
            response.DeliverBody(counter);
            var (before, after) = await paused.Task;
            return (before, after, await counter.Done.Task);
        });
        Assert.Equal(countWhenPaused, countAfterPause);
        Assert.True(countWhenPaused < body.Length);
        Assert.Equal(SHA256.HashData(body), hash);
    }

    [Fact]
    public void Redirects_are_followed_to_the_final_response()
    {
        using var server = Serve((request, response) =>
        {
            if (request.Path.SequenceEqual("/old"u8))
            {
                response.StatusCode = 302;
                response.AddHeader("Location", "/new");
                response.Finish();
                return;
            }

            response.Write("new place");
            response.Finish();
        });
        var (status, text, uri) = OnReactor(server, async () =>
        {
            var response = await new WebHttp(server.Reactor).Get($"http://127.0.0.1:{server.Port}/old");
            return (response.StatusCode, await response.Text(), response.RequestUri.AbsolutePath);
        });
        Assert.Equal(200, status);
        Assert.Equal("new place", text);
        Assert.Equal("/new", uri);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public void Compressed_response_is_decoded(string coding)
    {
        var plain = string.Concat(Enumerable.Range(0, 20000).Select(i => $"{i},"));
        var output = new MemoryStream();
        using (Stream s = coding == "gzip" ? new GZipStream(output, CompressionLevel.Fastest, true) : new BrotliStream(output, CompressionLevel.Fastest, true))
        {
            s.Write(Encoding.ASCII.GetBytes(plain));
        }

        var compressed = output.ToArray();
        string? accept = null;
        using var server = Serve((request, response) =>
        {
            accept = request.Head.GetHeader("Accept-Encoding");
            response.AddHeader("Content-Encoding", coding);
            response.Write(compressed);
            response.Finish();
        });
        var text = OnReactor(server, async () => await (await new WebHttp(server.Reactor).Get($"http://127.0.0.1:{server.Port}/")).Text());
        Assert.Equal(plain, text);
        Assert.Equal("gzip, deflate, br", accept);
    }

    [Fact]
    public void Cookies_round_trip()
    {
        using var server = Serve((request, response) =>
        {
            if (request.Path.SequenceEqual("/login"u8))
            {
                response.AddHeader("Set-Cookie", "session=s3cr3t; Path=/; HttpOnly");
            }

            response.Write(request.Head.GetHeader("Cookie") ?? "none");
            response.Finish();
        });
        var url = $"http://127.0.0.1:{server.Port}";
        var (first, second) = OnReactor(server, async () =>
        {
            var http = new WebHttp(server.Reactor);
            var a = await (await http.Get($"{url}/login")).Text();
            var b = await (await http.Get($"{url}/home")).Text();
            return (a, b);
        });
        Assert.Equal("none", first);
        Assert.Equal("session=s3cr3t", second);
    }


    [Fact]
    public void Post_body_is_sent_and_echoed()
    {
        using var server = Serve((request, response) => request.ReadBody(new EchoBody(response)));
        var payload = new byte[300_000];
        new Random(3).NextBytes(payload);
        var echoed = OnReactor(server, async () => await (await new WebHttp(server.Reactor).Post($"http://127.0.0.1:{server.Port}/echo", payload)).Content());
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public void Json_round_trip()
    {
        using var server = Serve((request, response) => request.ReadBody(new EchoBody(response)));
        var item = OnReactor(server, async () => await (await new WebHttp(server.Reactor).PostJson($"http://127.0.0.1:{server.Port}/", new AgentTests.Item("a", 2))).Json<AgentTests.Item>());
        Assert.Equal(new AgentTests.Item("a", 2), item);
    }

    [Fact]
    public void Response_timeout_fires_when_the_server_does_not_answer()
    {
        using var server = Serve((request, response) => { });
        var error = Assert.Throws<TimeoutException>(() => OnReactor(server, async () =>
            await new Agent(server.Reactor, new AgentOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) }).Request("GET", new Uri($"http://127.0.0.1:{server.Port}/hang"))));
        Assert.Contains("within 0.3 s", error.Message);
    }

    [Fact]
    public void Refused_connection_fails_the_request()
    {
        using var server = Serve((request, response) => response.Finish());
        int freePort;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            freePort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        // The same exception whichever HTTP the agent would have spoken: HTTP/1.1, h2c with prior knowledge, https (ALPN).
        foreach (var (scheme, options) in new[]
        {
            ("http", new AgentOptions()),
            ("http", new AgentOptions { Http2PriorKnowledge = true }),
            ("https", new AgentOptions()),
            ("https", new AgentOptions { EnableHttp2 = false }),
        })
        {
            var error = Assert.ThrowsAny<Exception>(() => OnReactor(server, async () => await new Agent(server.Reactor, options).Request("GET", new Uri($"{scheme}://127.0.0.1:{freePort}/"))));
            Assert.IsType<Torsion.Transports.ConnectionRefusedException>(error);
        }
    }

    private sealed class TestResolver : Torsion.Endpoints.IHostResolver
    {
        public Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName) =>
            hostName == "web.test" ? Deferred.Succeed<IReadOnlyList<IPAddress>>([IPAddress.Loopback]) : Deferred.Fail<IReadOnlyList<IPAddress>>(new Torsion.Transports.DnsLookupException($"unknown test name {hostName}"));
    }

    [Fact]
    public void Host_names_go_through_the_injected_resolver()
    {
        using var server = Serve((request, response) =>
        {
            response.Write(request.Head.GetHeader("Host") ?? "");
            response.Finish();
        });
        var host = OnReactor(server, async () => await (await new WebHttp(server.Reactor, new AgentOptions { Resolver = new TestResolver() }).Get($"http://web.test:{server.Port}/")).Text());
        Assert.Equal($"web.test:{server.Port}", host);
    }
}
