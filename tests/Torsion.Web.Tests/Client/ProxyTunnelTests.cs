using System.Text;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Tls;
using Torsion.Transports;
using Torsion.Web.Client;

namespace Torsion.Web.Tests.Client;

/// <summary>https through an HTTP proxy: the CONNECT exchange (RFC 9110 section 9.3.6) on StringTransport.</summary>
public sealed class ProxyTunnelTests
{
    private readonly MemoryReactor _reactor = new();

    private ProxyAgent NewAgent(string proxy = "http://127.0.0.2:3128") => new(_reactor, new Uri(proxy));

    private StringTransport Win(int index)
    {
        var record = _reactor.TcpClients[index];
        var transport = new StringTransport();
        transport.Connect(record.Factory.BuildProtocol(record.Destination)!);
        return transport;
    }

    private static void Answer(StringTransport transport, string text) => transport.Protocol!.DataReceived(Encoding.Latin1.GetBytes(text));

    private static ProxyTunnelException Refusal(Deferred<HttpResponse> deferred)
    {
        Exception? error = null;
        deferred.AddBoth(r => error = r.Error);
        Assert.True(deferred.Called, "The Deferred has not fired.");
        return Assert.IsType<ProxyTunnelException>(error);
    }

    [Fact]
    public void Https_request_opens_a_connect_tunnel_at_the_proxy()
    {
        NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/secret"));
        Assert.Equal("127.0.0.2", _reactor.TcpClients[0].Host);
        Assert.Equal(3128, _reactor.TcpClients[0].Port);
        var t = Win(0);
        Assert.Equal("CONNECT 127.0.0.1:8443 HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n", t.ValueString());
    }

    [Fact]
    public void Tls_starts_inside_the_tunnel_after_a_2xx_answer()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/secret"));
        var t = Win(0);
        t.Clear();
        Answer(t, "HTTP/1.1 200 Connection established\r\n\r\n");
        var hello = t.Value();
        Assert.True(hello.Length > 5, "no TLS ClientHello was written into the tunnel");
        Assert.Equal(0x16, hello[0]); // a TLS handshake record, not a plaintext request
        Assert.DoesNotContain("GET /secret", Encoding.Latin1.GetString(hello));
        // No answer yet: the request waits for the handshake, it neither failed nor was answered.
        Exception? failure = null;
        HttpResponse? answered = null;
        d.AddBoth(r =>
        {
            failure = r.Error;
            answered = r.Success ? r.Value : null;
        });
        Assert.Null(failure);
        Assert.Null(answered);
        Assert.False(t.Aborted);
    }

    [Fact]
    public void Tls_in_the_tunnel_names_the_origin_not_the_proxy()
    {
        var asked = new List<string>();
        new ProxyAgent(_reactor, new Uri("http://127.0.0.2:3128"), new AgentOptions
        {
            TlsOptionsForHost = host =>
            {
                asked.Add(host);
                return TlsOptions.Client(host);
            },
        }).Request("GET", new Uri("https://origin.test:8443/"));
        var t = Win(0);
        Assert.Equal("CONNECT origin.test:8443 HTTP/1.1\r\nHost: origin.test:8443\r\n\r\n", t.ValueString());
        t.Clear();
        Answer(t, "HTTP/1.1 200 Connection established\r\n\r\n");
        Assert.Equal(["origin.test"], asked);
        // The ClientHello carries the origin's name as SNI (RFC 6066 section 3).
        Assert.Contains("origin.test", Encoding.Latin1.GetString(t.Value()), StringComparison.Ordinal);
        Assert.Equal("127.0.0.2", _reactor.TcpClients[0].Host);
    }

    [Fact]
    public void Answer_in_pieces_and_interim_responses_are_read()
    {
        NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        t.Clear();
        Answer(t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r");
        Assert.Empty(t.Value());
        Answer(t, "\nProxy-Agent: test\r\n\r\n");
        Assert.Equal(0x16, t.Value()[0]);
    }

    [Fact]
    public void Credentials_in_the_proxy_uri_are_sent_as_basic_proxy_authorization()
    {
        NewAgent("http://user:p%40ss@127.0.0.2:3128").Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        var expected = Convert.ToBase64String(Encoding.UTF8.GetBytes("user:p@ss"));
        Assert.Equal($"CONNECT 127.0.0.1:8443 HTTP/1.1\r\nHost: 127.0.0.1:8443\r\nProxy-Authorization: Basic {expected}\r\n\r\n", t.ValueString());
    }

    [Fact]
    public void Plain_http_through_a_proxy_with_credentials_sends_proxy_authorization()
    {
        NewAgent("http://user:pass@127.0.0.2:3128").Request("GET", new Uri("http://127.0.0.1:8080/p"));
        var t = Win(0);
        Assert.Equal("GET http://127.0.0.1:8080/p HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n", t.ValueString());
    }

    [Fact]
    public void Proxy_authentication_required_fails_with_a_hint()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n");
        var error = Refusal(d);
        Assert.Equal(407, error.StatusCode);
        Assert.Equal("The proxy refused CONNECT 127.0.0.1:8443: 407 Proxy Authentication Required (the proxy wants credentials: put user:password in the proxy URI).", error.Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Rejected_credentials_fail_with_407()
    {
        var d = NewAgent("http://user:wrong@127.0.0.2:3128").Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal("The proxy refused CONNECT 127.0.0.1:8443: 407 Proxy Authentication Required (the proxy rejected the credentials of the proxy URI).", Refusal(d).Message);
    }

    [Fact]
    public void Rejected_credentials_answered_with_401_say_so()
    {
        var d = NewAgent("http://user:wrong@127.0.0.2:3128").Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.0 401 Unauthorized\r\nConnection: close\r\n\r\n");
        var error = Refusal(d);
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("The proxy refused CONNECT 127.0.0.1:8443: 401 Unauthorized (the proxy rejected the credentials of the proxy URI).", error.Message);
    }

    [Fact]
    public void Forbidden_tunnel_fails_with_403()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!");
        var error = Refusal(d);
        Assert.Equal(403, error.StatusCode);
        Assert.Equal("The proxy refused CONNECT 127.0.0.1:8443: 403 Forbidden (the proxy does not allow tunnels to 127.0.0.1:8443).", error.Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Unreachable_origin_fails_with_502()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 502 Bad Gateway\r\n\r\n");
        var error = Refusal(d);
        Assert.Equal(502, error.StatusCode);
        Assert.Equal("The proxy refused CONNECT 127.0.0.1:8443: 502 Bad Gateway (the proxy could not reach 127.0.0.1:8443).", error.Message);
    }

    [Fact]
    public void Malformed_answer_fails()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "SSH-2.0-OpenSSH_9.6\r\n\r\n");
        var error = Refusal(d);
        Assert.Equal(0, error.StatusCode);
        Assert.Equal("The proxy's answer to CONNECT 127.0.0.1:8443 is malformed: The status line 'SSH-2.0-OpenSSH_9.6' is not 'HTTP/1.x code reason'.", error.Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Proxy_closing_before_an_answer_fails()
    {
        var d = NewAgent().Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        t.DeliverConnectionLost(new ConnectionDoneException());
        var error = Refusal(d);
        Assert.StartsWith("The proxy closed the connection before answering CONNECT 127.0.0.1:8443: ", error.Message);
    }

    [Fact]
    public void Proxy_that_never_answers_connect_times_out()
    {
        var d = new ProxyAgent(_reactor, new Uri("http://127.0.0.2:3128"), new AgentOptions { ConnectTimeout = TimeSpan.FromSeconds(5) })
            .Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(t.Aborted);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Exception? error = null;
        d.AddBoth(r => error = r.Error);
        Assert.Equal("The proxy did not answer CONNECT 127.0.0.1:8443 within 5 s.", Assert.IsType<TimeoutException>(error).Message);
        Assert.True(t.Aborted);
    }

    [Fact]
    public void Answered_tunnel_is_not_timed_out_later()
    {
        new ProxyAgent(_reactor, new Uri("http://127.0.0.2:3128"), new AgentOptions { ConnectTimeout = TimeSpan.FromSeconds(5), ResponseTimeout = null })
            .Request("GET", new Uri("https://127.0.0.1:8443/"));
        var t = Win(0);
        Answer(t, "HTTP/1.1 200 Connection established\r\n\r\n");
        _reactor.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(t.Aborted);
    }

    [Fact]
    public void Ipv6_origin_is_bracketed_in_the_connect_target()
    {
        NewAgent().Request("GET", new Uri("https://[::1]:8443/"));
        Assert.StartsWith("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n", Win(0).ValueString());
    }

    [Fact]
    public void Non_http_proxy_uri_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ProxyAgent(_reactor, new Uri("socks5://127.0.0.2:1080")));
        Assert.Equal("The proxy 'socks5://127.0.0.2:1080/' is not an http URI (http://host:port or http://user:password@host:port). (Parameter 'proxy')", error.Message);
    }
}
