using System.Net;
using System.Text;
using System.Text.Json;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Client;

/// <summary>
/// The short way to make HTTP requests (as treq is to Twisted's Agent): <c>await http.Get(url)</c>, then
/// <see cref="HttpResponse.Text"/>, <see cref="HttpResponse.Content"/> or <see cref="HttpResponse.Json{T}"/>.
/// Redirects are followed, gzip/deflate/br decoded, and cookies kept in <see cref="Cookies"/>.
/// </summary>
public sealed class Http
{
    /// <summary>A client on <paramref name="reactor"/>: an <see cref="Agent"/> with cookies, content decoding and redirects.</summary>
    public Http(IReactor reactor, AgentOptions? options = null, CookieContainer? cookies = null)
    {
        Cookies = cookies ?? new CookieContainer();
        BaseAgent = new Agent(reactor, options);
        Agent = new RedirectAgent(new ContentDecoderAgent(new CookieAgent(BaseAgent, Cookies)));
    }

    /// <summary>A client over any <paramref name="agent"/> (no wrappers added).</summary>
    public Http(IAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        Cookies = new CookieContainer();
        Agent = agent;
    }

    /// <summary>The agent requests go through.</summary>
    public IAgent Agent { get; }

    /// <summary>The pooling agent at the bottom, when this client built it.</summary>
    public Agent? BaseAgent { get; }

    /// <summary>The cookie jar (used when this client built its agent).</summary>
    public CookieContainer Cookies { get; }

    /// <summary>Sends <paramref name="method"/> to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Request(string method, string url, Headers? headers = null, IBodyProducer? body = null)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Deferred.Fail<HttpResponse>(new ArgumentException($"'{url}' is not an absolute URL.", nameof(url)));
        }

        return Agent.Request(method, uri, headers, body);
    }

    /// <summary>GET <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Get(string url, Headers? headers = null) => Request("GET", url, headers);

    /// <summary>HEAD <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Head(string url, Headers? headers = null) => Request("HEAD", url, headers);

    /// <summary>DELETE <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Delete(string url, Headers? headers = null) => Request("DELETE", url, headers);

    /// <summary>POST bytes to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Post(string url, ReadOnlyMemory<byte> content, string contentType = "application/octet-stream", Headers? headers = null) =>
        WithBody("POST", url, content, contentType, headers);

    /// <summary>POST text (UTF-8) to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Post(string url, string content, string contentType = "text/plain; charset=utf-8", Headers? headers = null) =>
        WithBody("POST", url, Encoding.UTF8.GetBytes(content), contentType, headers);

    /// <summary>POST <paramref name="value"/> as JSON (System.Text.Json) to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> PostJson<T>(string url, T value, Headers? headers = null) =>
        WithBody("POST", url, JsonSerializer.SerializeToUtf8Bytes(value, JsonSerializerOptions.Web), "application/json", headers);

    /// <summary>PUT bytes to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Put(string url, ReadOnlyMemory<byte> content, string contentType = "application/octet-stream", Headers? headers = null) =>
        WithBody("PUT", url, content, contentType, headers);

    /// <summary>PUT text (UTF-8) to <paramref name="url"/>.</summary>
    public Deferred<HttpResponse> Put(string url, string content, string contentType = "text/plain; charset=utf-8", Headers? headers = null) =>
        WithBody("PUT", url, Encoding.UTF8.GetBytes(content), contentType, headers);

    private Deferred<HttpResponse> WithBody(string method, string url, ReadOnlyMemory<byte> content, string contentType, Headers? headers)
    {
        headers = headers?.Copy() ?? new Headers();
        if (!headers.Contains("Content-Type"))
        {
            headers.Add("Content-Type", contentType);
        }

        return Request(method, url, headers, new BytesBodyProducer(content));
    }
}
