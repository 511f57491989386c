using Torsion.Defer;

namespace Torsion.Web.Client;

/// <summary>
/// Asks for compressed responses (Accept-Encoding: gzip, deflate, br) from another agent and decodes them as they
/// stream (Twisted's <c>ContentDecoderAgent</c>); the decoded response has no Content-Encoding nor Content-Length.
/// </summary>
public sealed class ContentDecoderAgent : IAgent
{
    /// <summary>The codings decoded.</summary>
    public static readonly IReadOnlyList<string> Codings = ["gzip", "deflate", "br"];

    private readonly IAgent _agent;

    /// <summary>Decodes the responses of <paramref name="agent"/>.</summary>
    public ContentDecoderAgent(IAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _agent = agent;
    }

    /// <inheritdoc />
    public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null)
    {
        headers = headers?.Copy() ?? new Headers();
        if (!headers.Contains("Accept-Encoding"))
        {
            headers.Add("Accept-Encoding", "gzip, deflate, br");
        }

        return _agent.Request(method, uri, headers, body).AddCallback(Decode);
    }

    private static HttpResponse Decode(HttpResponse response)
    {
        var encoding = response.Headers.Get("Content-Encoding")?.Trim().ToLowerInvariant();
        if (encoding is null || response.Length == 0 || encoding is not ("gzip" or "x-gzip" or "deflate" or "br"))
        {
            return response;
        }

        var headers = response.Headers.Copy();
        headers.Remove("Content-Encoding");
        headers.Remove("Content-Length");
        var body = new DecodingBody(response.TakeBody(), encoding, response.ToString());
        return response.WithBody(headers, null, body);
    }
}
