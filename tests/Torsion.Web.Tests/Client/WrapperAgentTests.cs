using System.IO.Compression;
using System.Net;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Transports;
using Torsion.Web.Client;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Client;

public sealed class WrapperAgentTests
{
    /// <summary>Answers each request with the next scripted response and records what was asked.</summary>
    private sealed class ScriptedAgent(params (int Status, string[] Headers, byte[] Body)[] script) : IAgent
    {
        private int _next;

        public List<(string Method, Uri Uri, Headers Headers, IBodyProducer? Body)> Requests { get; } = [];

        public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null)
        {
            Requests.Add((method, uri, headers ?? new Headers(), body));
            var (status, fields, bytes) = script[_next++];
            var h = new Headers();
            foreach (var f in fields)
            {
                var colon = f.IndexOf(':');
                h.Add(f[..colon], f[(colon + 1)..].Trim());
            }

            return Deferred.Succeed(new HttpResponse(method, uri, HttpProtocolVersion.Http11, status, "X", h, bytes.Length, new PiecesBody(bytes)));
        }
    }

    /// <summary>Delivers a body in 7-byte pieces.</summary>
    private sealed class PiecesBody(byte[] bytes) : IResponseBody
    {
        public void Deliver(IProtocol protocol)
        {
            protocol.MakeConnection(new Torsion.Testing.StringTransport());
            for (var i = 0; i < bytes.Length; i += 7)
            {
                protocol.DataReceived(bytes.AsSpan(i, Math.Min(7, bytes.Length - i)));
            }

            protocol.ConnectionLost(new ResponseDoneException());
        }
    }

    private static (int, string[], byte[]) R(int status, string body, params string[] headers) => (status, headers, Encoding.UTF8.GetBytes(body));

    private static T Result<T>(Deferred<T> d)
    {
        var task = d.AsTask();
        Assert.True(task.IsCompleted, "The Deferred has not fired.");
        return task.GetAwaiter().GetResult();
    }

    [Fact]
    public void Post_redirected_by_302_becomes_a_get_without_body()
    {
        var inner = new ScriptedAgent(R(302, "", "Location: /next"), R(200, "done"));
        var response = Result(new RedirectAgent(inner).Request("POST", new Uri("http://127.0.0.1/form"), new Headers().Add("Content-Type", "text/plain"), new BytesBodyProducer("x"u8.ToArray())));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(("GET", new Uri("http://127.0.0.1/next")), (inner.Requests[1].Method, inner.Requests[1].Uri));
        Assert.Null(inner.Requests[1].Body);
        Assert.False(inner.Requests[1].Headers.Contains("Content-Type"));
        Assert.Equal(302, response.PreviousResponse!.StatusCode);
    }

    [Fact]
    public void Redirect_303_turns_put_into_get()
    {
        var inner = new ScriptedAgent(R(303, "", "Location: http://127.0.0.1/see"), R(200, ""));
        Result(new RedirectAgent(inner).Request("PUT", new Uri("http://127.0.0.1/a")));
        Assert.Equal("GET", inner.Requests[1].Method);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    public void Redirect_307_and_308_keep_method_and_body(int status)
    {
        var body = new BytesBodyProducer("x"u8.ToArray());
        var inner = new ScriptedAgent(R(status, "", "Location: /b"), R(200, ""));
        Result(new RedirectAgent(inner).Request("POST", new Uri("http://127.0.0.1/a"), null, body));
        Assert.Equal(("POST", body), (inner.Requests[1].Method, inner.Requests[1].Body));
    }

    [Fact]
    public void Redirect_from_https_to_http_drops_credentials()
    {
        var inner = new ScriptedAgent(R(301, "", "Location: http://127.0.0.1/plain"), R(200, ""));
        Result(new RedirectAgent(inner).Request("GET", new Uri("https://127.0.0.1/secure"), new Headers().Add("Authorization", "Basic eA==").Add("Cookie", "a=b").Add("Accept", "*/*")));
        Assert.False(inner.Requests[1].Headers.Contains("Authorization"));
        Assert.False(inner.Requests[1].Headers.Contains("Cookie"));
        Assert.True(inner.Requests[1].Headers.Contains("Accept"));
    }

    [Fact]
    public void Redirect_within_the_origin_keeps_credentials()
    {
        var inner = new ScriptedAgent(R(301, "", "Location: /b"), R(200, ""));
        Result(new RedirectAgent(inner).Request("GET", new Uri("https://127.0.0.1/a"), new Headers().Add("Authorization", "Basic eA==")));
        Assert.True(inner.Requests[1].Headers.Contains("Authorization"));
    }

    [Fact]
    public void Too_many_redirects_fail()
    {
        var inner = new ScriptedAgent(Enumerable.Range(0, 4).Select(_ => R(302, "", "Location: /loop")).ToArray());
        var error = Assert.Throws<ResponseFailedException>(() => Result(new RedirectAgent(inner, maxRedirects: 2).Request("GET", new Uri("http://127.0.0.1/loop"))));
        Assert.Equal("GET http://127.0.0.1/loop was redirected more than 2 times.", error.Message);
    }

    [Fact]
    public void Redirect_to_another_scheme_fails()
    {
        var inner = new ScriptedAgent(R(302, "", "Location: file:///etc/passwd"));
        Assert.Throws<ResponseFailedException>(() => Result(new RedirectAgent(inner).Request("GET", new Uri("http://127.0.0.1/"))));
    }

    public static TheoryData<string> Codings => new() { "gzip", "deflate", "br" };

    private static byte[] Compress(string coding, byte[] data)
    {
        var output = new MemoryStream();
        using (Stream s = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        })
        {
            s.Write(data);
        }

        return output.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codings))]
    public void Compressed_body_is_decoded_as_it_streams(string coding)
    {
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n")));
        var inner = new ScriptedAgent((200, [$"Content-Encoding: {coding}", "Content-Length: 1"], Compress(coding, plain)));
        var agent = new ContentDecoderAgent(inner);
        var response = Result(agent.Request("GET", new Uri("http://127.0.0.1/")));
        Assert.Equal("gzip, deflate, br", inner.Requests[0].Headers.Get("Accept-Encoding"));
        Assert.False(response.Headers.Contains("Content-Encoding"));
        Assert.Null(response.Length);
        Assert.Equal(plain, Result(response.ReadBody()));
    }

    [Fact]
    public void Raw_deflate_body_is_decoded()
    {
        var plain = "raw deflate, as some servers send"u8.ToArray();
        var output = new MemoryStream();
        using (var s = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            s.Write(plain);
        }

        var inner = new ScriptedAgent((200, ["Content-Encoding: deflate"], output.ToArray()));
        Assert.Equal(plain, Result(Result(new ContentDecoderAgent(inner).Request("GET", new Uri("http://127.0.0.1/"))).ReadBody()));
    }

    [Fact]
    public void Corrupt_gzip_body_fails_the_reader()
    {
        var inner = new ScriptedAgent((200, ["Content-Encoding: gzip"], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
        var read = Result(new ContentDecoderAgent(inner).Request("GET", new Uri("http://127.0.0.1/"))).ReadBody();
        Assert.Throws<ResponseFailedException>(() => Result(read));
    }

    [Fact]
    public void Unknown_coding_is_passed_through()
    {
        var inner = new ScriptedAgent(R(200, "zz", "Content-Encoding: zstd"));
        var response = Result(new ContentDecoderAgent(inner).Request("GET", new Uri("http://127.0.0.1/")));
        Assert.Equal("zstd", response.Headers.Get("Content-Encoding"));
    }

    [Fact]
    public void Cookies_set_by_a_response_are_sent_with_the_next_request()
    {
        var inner = new ScriptedAgent(R(200, "", "Set-Cookie: session=abc; Path=/", "Set-Cookie: secure=1; Secure"), R(200, ""), R(200, ""));
        var jar = new CookieContainer();
        var agent = new CookieAgent(inner, jar);
        Result(agent.Request("GET", new Uri("http://127.0.0.1/login")));
        Result(agent.Request("GET", new Uri("http://127.0.0.1/home")));
        Assert.Equal("session=abc", inner.Requests[1].Headers.Get("Cookie"));
        Result(agent.Request("GET", new Uri("https://127.0.0.1/home")));
        Assert.Contains("secure=1", inner.Requests[2].Headers.Get("Cookie"));
    }

    [Fact]
    public void Malformed_set_cookie_is_ignored()
    {
        var inner = new ScriptedAgent(R(200, "", "Set-Cookie: =;;;"), R(200, ""));
        var agent = new CookieAgent(inner, new CookieContainer());
        Result(agent.Request("GET", new Uri("http://127.0.0.1/")));
        Result(agent.Request("GET", new Uri("http://127.0.0.1/")));
        Assert.False(inner.Requests[1].Headers.Contains("Cookie"));
    }
}
