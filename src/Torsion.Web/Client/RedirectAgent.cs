using Torsion.Defer;
using Torsion.Protocols;

namespace Torsion.Web.Client;

/// <summary>
/// Follows redirects (RFC 9110 section 15.4) from another agent: 301, 302 and 303 turn a POST (any method but HEAD for
/// 303) into a GET without body; 307 and 308 repeat the method and body (a body is repeated only when it is a
/// <see cref="BytesBodyProducer"/>, otherwise the redirect is returned as is). Credentials (Authorization, Cookie,
/// Proxy-Authorization) are not carried from https to http nor to another host.
/// </summary>
public sealed class RedirectAgent : IAgent
{
    /// <summary>The default most redirects followed: 20.</summary>
    public const int DefaultMaxRedirects = 20;

    private static readonly string[] Credentials = ["Authorization", "Cookie", "Proxy-Authorization"];

    private readonly IAgent _agent;
    private readonly int _maxRedirects;

    /// <summary>Follows redirects of <paramref name="agent"/>'s responses, at most <paramref name="maxRedirects"/> per request.</summary>
    public RedirectAgent(IAgent agent, int maxRedirects = DefaultMaxRedirects)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRedirects);
        _agent = agent;
        _maxRedirects = maxRedirects;
    }

    /// <inheritdoc />
    public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null) =>
        Follow(method, uri, headers ?? new Headers(), body, null, 0);

    private Deferred<HttpResponse> Follow(string method, Uri uri, Headers headers, IBodyProducer? body, HttpResponse? previous, int count) =>
        _agent.Request(method, uri, headers, body).AddCallback(response =>
        {
            response.PreviousResponse ??= previous;
            if (response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Get("Location") is not { } location)
            {
                return Deferred.Succeed(response);
            }

            if (!Uri.TryCreate(uri, location, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
            {
                return Deferred.Fail<HttpResponse>(new ResponseFailedException($"The redirect from {uri} to '{location}' is not to an http or https URI."));
            }

            if (count >= _maxRedirects)
            {
                return Deferred.Fail<HttpResponse>(new ResponseFailedException($"{method} {uri} was redirected more than {_maxRedirects} times."));
            }

            var nextMethod = method;
            var nextBody = body;
            var nextHeaders = headers.Copy();
            if ((response.StatusCode == 303 && method != "HEAD") || (response.StatusCode is 301 or 302 && method == "POST"))
            {
                nextMethod = "GET";
                nextBody = null;
                nextHeaders.Remove("Content-Type");
                nextHeaders.Remove("Content-Length");
                nextHeaders.Remove("Content-Encoding");
            }
            else if (body is not null and not BytesBodyProducer)
            {
                // The body was consumed by the first request and cannot be sent again.
                return Deferred.Succeed(response);
            }

            var downgrade = uri.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp;
            var otherOrigin = !string.Equals(uri.IdnHost, next.IdnHost, StringComparison.OrdinalIgnoreCase) || uri.Port != next.Port;
            if (downgrade || otherOrigin)
            {
                foreach (var name in Credentials)
                {
                    nextHeaders.Remove(name);
                }
            }

            response.DeliverBody(new Discard());
            return Follow(nextMethod, next, nextHeaders, nextBody, response, count + 1);
        });

    /// <summary>Reads and drops a redirect's body, so its connection can be reused.</summary>
    private sealed class Discard : Protocol
    {
    }
}
