using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>Our client against a real Kestrel (ASP.NET Core) on 127.0.0.1 (interop); one Kestrel for the class.</summary>
public sealed class AgentKestrelTests(KestrelPeer kestrel) : IClassFixture<KestrelPeer>, IDisposable
{
    private readonly RunningServer _reactor = new(reactor => new Torsion.Web.Http.HttpServerFactory((request, response) => response.Finish(), reactor));

    public void Dispose() => _reactor.Dispose();

    private Uri Url(string path) => new($"http://127.0.0.1:{kestrel.Port}{path}");

    private T OnReactor<T>(Func<Task<T>> work) => AgentLoopbackTests.OnReactor(_reactor, work);

    private static async Task<string> Text(Torsion.Defer.Deferred<HttpResponse> request) => Encoding.UTF8.GetString(await (await request).ReadBody());

    /// <summary>'a'..'z' repeating, as the peer's /bytes/{n} sends.</summary>
    internal static byte[] Alphabet(int n) => Enumerable.Range(0, n).Select(i => (byte)('a' + i % 26)).ToArray();

    // These are the HTTP/1.1 tests: HTTP/2 (offered by ALPN by default) is tested in AgentHttp2KestrelTests.
    private AgentOptions TrustingTheCa(AgentOptions? options = null) => new()
    {
        EnableHttp2 = false,
        MaxConnectionsPerHost = options?.MaxConnectionsPerHost ?? 8,
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = kestrel.CaFile;
            return tls;
        },
    };

    [Fact]
    public void Plaintext_over_http1()
    {
        var text = OnReactor(async () => await (await new WebHttp(new Agent(_reactor.Reactor)).Get(Url("/plaintext").ToString())).Text());
        Assert.Equal("Hello, World!", text);
    }

    [Fact]
    public void Keep_alive_reuses_one_connection_for_many_requests()
    {
        var (ids, opened) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            var list = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                list.Add(await Text(agent.Request("GET", Url(i % 2 == 0 ? "/connection" : "/bytes/100000"))));
            }

            return (list.Where((_, i) => i % 2 == 0).ToList(), agent.ConnectionsOpened);
        });
        Assert.Equal(1, opened);
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public void Chunked_upload_of_unknown_length_is_echoed_byte_exact()
    {
        var pieces = Enumerable.Range(0, 40).Select(i => Enumerable.Range(0, 7919 + i).Select(j => (byte)(i * 31 + j)).ToArray()).ToList();
        var (echo, framing) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            var body = await (await agent.Request("POST", Url("/echo"), new Headers().Add("Content-Type", "application/x-test"), new PiecewiseBodyProducer(_reactor.Reactor, pieces))).ReadBody();
            var how = await Text(agent.Request("POST", Url("/framing"), null, new PiecewiseBodyProducer(_reactor.Reactor, pieces)));
            return (body, how);
        });
        Assert.Equal(pieces.SelectMany(p => p).ToArray(), echo);
        Assert.Equal($"te=chunked cl= read={pieces.Sum(p => p.Length)}", framing);
    }

    [Fact]
    public void Fixed_length_upload_is_echoed_byte_exact()
    {
        var data = Alphabet(1 << 20);
        var (echo, framing) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            var body = await (await agent.Request("POST", Url("/echo"), null, new BytesBodyProducer(data))).ReadBody();
            var how = await Text(agent.Request("POST", Url("/framing"), null, new BytesBodyProducer(data)));
            return (body, how);
        });
        Assert.Equal(data, echo);
        Assert.Equal($"te= cl={data.Length} read={data.Length}", framing);
    }

    [Fact]
    public void One_megabyte_download_is_byte_exact()
    {
        var (body, length) = OnReactor(async () =>
        {
            var response = await new Agent(_reactor.Reactor).Request("GET", Url("/bytes/1048576"));
            return (await response.ReadBody(), response.Length);
        });
        Assert.Equal(1048576, length);
        Assert.Equal(Alphabet(1048576), body);
    }

    [Fact]
    public void Gzip_body_is_decoded()
    {
        var (text, raw) = OnReactor(async () =>
        {
            var plain = await new Agent(_reactor.Reactor).Request("GET", Url("/gzip"));
            await plain.ReadBody();
            var decoded = await new ContentDecoderAgent(new Agent(_reactor.Reactor)).Request("GET", Url("/gzip"));
            return (Encoding.UTF8.GetString(await decoded.ReadBody()), plain.Headers.Get("Content-Encoding"));
        });
        Assert.Equal("gzip", raw);
        Assert.Equal(string.Concat(Enumerable.Repeat("compressible text ", 500)), text);
    }

    [Fact]
    public void Three_redirects_are_followed()
    {
        var (text, hops, last) = OnReactor(async () =>
        {
            var response = await new RedirectAgent(new Agent(_reactor.Reactor)).Request("GET", Url("/redirect/3"));
            var n = 0;
            for (var r = response.PreviousResponse; r is not null; r = r.PreviousResponse)
            {
                n++;
            }

            return (Encoding.UTF8.GetString(await response.ReadBody()), n, response.RequestUri.AbsolutePath);
        });
        Assert.Equal("done", text);
        Assert.Equal(3, hops);
        Assert.Equal("/redirect/0", last);
    }

    [Fact]
    public void Cookie_set_by_the_server_is_sent_back()
    {
        var (cookie, stored) = OnReactor(async () =>
        {
            var jar = new CookieContainer();
            var agent = new CookieAgent(new Agent(_reactor.Reactor), jar);
            await (await agent.Request("GET", Url("/cookie/set"))).ReadBody();
            return (await Text(agent.Request("GET", Url("/cookie/get"))), jar.GetCookieHeader(Url("/")));
        });
        Assert.Equal("peer=kestrel", stored);
        Assert.Equal("peer=kestrel", cookie);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    [InlineData(404)]
    [InlineData(500)]
    public void Status_code_is_reported_and_the_connection_is_reused(int code)
    {
        var (statuses, bodies, opened) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            var first = await agent.Request("GET", Url($"/status/{code}"));
            var firstBody = await first.ReadBody();
            var second = await agent.Request("GET", Url($"/status/{code}"));
            var secondBody = await second.ReadBody();
            return (new[] { first.StatusCode, second.StatusCode }, firstBody.Length + secondBody.Length, agent.ConnectionsOpened);
        });
        Assert.Equal([code, code], statuses);
        Assert.Equal(0, bodies);
        Assert.Equal(1, opened);
    }

    [Fact]
    public void Head_has_the_length_but_no_body_and_the_connection_stays_usable()
    {
        var (length, headBody, getBody, opened) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor);
            var head = await agent.Request("HEAD", Url("/resource"));
            var empty = await head.ReadBody();
            var text = await Text(agent.Request("GET", Url("/resource")));
            return (head.Headers.Get("Content-Length"), empty.Length, text, agent.ConnectionsOpened);
        });
        Assert.Equal("13", length);
        Assert.Equal(0, headBody);
        Assert.Equal("resource body", getBody);
        Assert.Equal(1, opened);
    }

    [Fact]
    public void Https_is_verified_against_the_test_ca()
    {
        var (protocol, bytes, opened) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor, TrustingTheCa());
            var p = await Text(agent.Request("GET", new Uri($"https://127.0.0.1:{kestrel.TlsPort}/protocol")));
            var b = await (await agent.Request("GET", new Uri($"https://127.0.0.1:{kestrel.TlsPort}/bytes/300000"))).ReadBody();
            return (p, b, agent.ConnectionsOpened);
        });
        Assert.Equal("HTTP/1.1", protocol);
        Assert.Equal(Alphabet(300000), bytes);
        Assert.Equal(1, opened);
    }

    [Fact]
    public void Https_without_the_ca_is_refused_with_a_certificate_error()
    {
        var error = Assert.ThrowsAny<Exception>(() => OnReactor(async () =>
            await new Agent(_reactor.Reactor, new AgentOptions { EnableHttp2 = false }).Request("GET", new Uri($"https://127.0.0.1:{kestrel.TlsPort}/protocol"))));
        Assert.IsType<ResponseNeverReceivedException>(error);
        Assert.IsType<TlsException>(error.InnerException);
        Assert.Equal(
            $"The connection closed before any response to GET https://127.0.0.1:{kestrel.TlsPort}/protocol: TLS handshake with 127.0.0.1:{kestrel.TlsPort} failed: " +
            "server certificate verification failed: unknown issuer: no trusted root issued the certificate (OpenSSL: unable to get local issuer certificate).",
            error.Message);
    }

    [Fact]
    public void Response_timeout_fails_a_slow_response()
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<TimeoutException>(() => OnReactor(async () =>
            await new Agent(_reactor.Reactor, new AgentOptions { ResponseTimeout = TimeSpan.FromMilliseconds(200) }).Request("GET", Url("/slow/5000"))));
        Assert.Equal($"No response to GET {Url("/slow/5000")} within 0.2 s.", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the timeout took {watch.Elapsed}");
    }

    [Fact]
    public void Connect_timeout_fails_when_the_server_never_accepts()
    {
        // A listening socket whose accept queue is full: Linux drops further SYNs, so connecting hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList();
        try
        {
            foreach (var s in fillers)
            {
                _ = s.ConnectAsync(IPAddress.Loopback, port);
            }

            Thread.Sleep(100);
            var watch = Stopwatch.StartNew();
            var error = Assert.Throws<TimeoutException>(() => OnReactor(async () =>
                await new Agent(_reactor.Reactor, new AgentOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }).Request("GET", new Uri($"http://127.0.0.1:{port}/"))));
            Assert.Equal($"Connecting to 127.0.0.1:{port} timed out after 0.3 s.", error.Message);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the timeout took {watch.Elapsed}");
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void Many_concurrent_requests_stay_within_the_pool_limit()
    {
        var (ids, opened) = OnReactor(async () =>
        {
            var agent = new Agent(_reactor.Reactor, new AgentOptions { MaxConnectionsPerHost = 4 });
            var all = Enumerable.Range(0, 200).Select(i => Text(agent.Request("GET", Url(i % 5 == 0 ? "/slow/20" : "/connection")))).ToList();
            var texts = await Task.WhenAll(all);
            return (texts.Where(t => t != "slow").ToList(), agent.ConnectionsOpened);
        });
        Assert.Equal(160, ids.Count);
        Assert.InRange(ids.Distinct().Count(), 1, 4);
        Assert.Equal(4, opened);
    }
}
