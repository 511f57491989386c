using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Web.Client;
using Torsion.Web.Server;
using Torsion.Web.Tests.Loopback;

namespace Torsion.Web.Tests.Server;

/// <summary>ReverseProxyResource between a client and a Torsion upstream server, each on its own reactor on 127.0.0.1.</summary>
public sealed class ReverseProxyResourceTests
{
    private static readonly byte[] Large = MakeLarge();

    /// <summary>Answers with what it received, so that the test sees what the proxy forwarded.</summary>
    private sealed class Echo : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) => Answer(request, "");

        public override RenderResult RenderPost(Request request)
        {
            using var reader = new StreamReader(request.Content, Encoding.UTF8);
            return Answer(request, reader.ReadToEnd());
        }

        private static string Answer(Request request, string body)
        {
            if (request.Path.EndsWith("/created", StringComparison.Ordinal))
            {
                request.SetResponseCode(201, "Made It");
            }

            request.SetHeader("X-Upstream", "yes");
            request.SetHeader("Keep-Alive", "timeout=5");
            request.SetHeader("Content-Type", "text/plain");
            var text = new StringBuilder();
            text.Append(request.Method).Append(' ').Append(request.Uri).Append('\n');
            foreach (var name in new[] { "X-Custom", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Proxy-Authorization", "Upgrade" })
            {
                text.Append(name).Append('=').Append(request.GetHeader(name) ?? "-").Append('\n');
            }

            return text.Append("body=").Append(body).ToString();
        }
    }

    private sealed class Big : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) => Large;
    }

    private sealed class Never : Resource
    {
        public override bool IsLeaf => true;

        public override RenderResult RenderGet(Request request) => NotDoneYet;
    }

    private static byte[] MakeLarge()
    {
        var bytes = new byte[4 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static RunningServer Upstream()
    {
        var root = new Resource();
        root.PutChild("base", new Echo());
        root.PutChild("big", new Big());
        root.PutChild("never", new Never());
        return new RunningServer(reactor => new Site(root, reactor));
    }

    private static RunningServer Proxy(int port, string path, AgentOptions? options = null) =>
        new(reactor =>
        {
            var root = new Resource();
            root.PutChild("api", new ReverseProxyResource(reactor, "127.0.0.1", port, path, options));
            return new Site(root, reactor);
        });

    private static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = RunningServer.Timeout };

    private static HttpResponseMessage Send(HttpRequestMessage message)
    {
        using var client = Client();
        return client.SendAsync(message).WaitAsync(RunningServer.Timeout).GetAwaiter().GetResult();
    }

    private static string Text(HttpResponseMessage response) => response.Content.ReadAsStringAsync().WaitAsync(RunningServer.Timeout).GetAwaiter().GetResult();

    [Fact]
    public void Get_is_forwarded_with_path_query_and_forwarded_headers()
    {
        using var upstream = Upstream();
        using var proxy = Proxy(upstream.Port, "/base");
        var message = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{proxy.Port}/api/a/b%20c?x=1&y=2");
        message.Headers.Add("X-Custom", "kept");
        message.Headers.Add("Proxy-Authorization", "Basic eDp5");
        using var response = Send(message);
        var text = Text(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("GET /base/a/b%20c?x=1&y=2\n", text, StringComparison.Ordinal);
        Assert.Contains("X-Custom=kept\n", text, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-For=127.0.0.1\n", text, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-Proto=http\n", text, StringComparison.Ordinal);
        Assert.Contains($"X-Forwarded-Host=127.0.0.1:{proxy.Port}\n", text, StringComparison.Ordinal);
        Assert.Contains("Proxy-Authorization=-\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_and_end_to_end_headers_come_back_without_hop_by_hop_ones()
    {
        using var upstream = Upstream();
        using var proxy = Proxy(upstream.Port, "/base");
        using var response = Send(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{proxy.Port}/api/created"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Made It", response.ReasonPhrase);
        Assert.Equal("yes", Assert.Single(response.Headers.GetValues("X-Upstream")));
        Assert.False(response.Headers.Contains("Keep-Alive"));
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public void Post_body_is_forwarded()
    {
        using var upstream = Upstream();
        using var proxy = Proxy(upstream.Port, "/base");
        var message = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{proxy.Port}/api/form")
        {
            Content = new StringContent("hello upstream", Encoding.UTF8, "text/plain"),
        };
        using var response = Send(message);
        var text = Text(response);
        Assert.StartsWith("POST /base/form\n", text, StringComparison.Ordinal);
        Assert.EndsWith("body=hello upstream", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_body_streams_back_byte_identical()
    {
        using var upstream = Upstream();
        using var proxy = Proxy(upstream.Port, "/big");
        using var client = Client();
        var bytes = await client.GetByteArrayAsync(new Uri($"http://127.0.0.1:{proxy.Port}/api")).WaitAsync(RunningServer.Timeout);
        Assert.Equal(Large.Length, bytes.Length);
        Assert.True(Large.AsSpan().SequenceEqual(bytes));
    }

    [Fact]
    public void A_closed_upstream_port_gets_502()
    {
        int port;
        using (var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        }

        using var proxy = Proxy(port, "/");
        using var response = Send(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{proxy.Port}/api/x"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("Bad Gateway", Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public void An_upstream_that_does_not_answer_in_time_gets_504()
    {
        using var upstream = Upstream();
        using var proxy = Proxy(upstream.Port, "/never", new AgentOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) });
        using var response = Send(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{proxy.Port}/api"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("Gateway Timeout", Text(response), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection", true)]
    [InlineData("keep-alive", true)]
    [InlineData("Transfer-Encoding", true)]
    [InlineData("Proxy-Authenticate", true)]
    [InlineData("Upgrade", true)]
    [InlineData("Content-Type", false)]
    [InlineData("X-Proxy", false)]
    public void Hop_by_hop_headers_are_recognised(string name, bool expected) =>
        Assert.Equal(expected, ReverseProxyResource.IsHopByHop(name));
}
