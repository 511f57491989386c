using System.Net;
using Torsion.Defer;

namespace Torsion.Web.Client;

/// <summary>
/// Sends and stores cookies (RFC 6265) for another agent in a <see cref="CookieContainer"/>, which applies domain,
/// path, expiry and the Secure attribute (so a secure cookie never goes over http).
/// </summary>
public sealed class CookieAgent : IAgent
{
    private readonly IAgent _agent;

    /// <summary>Keeps cookies of <paramref name="agent"/>'s requests in <paramref name="cookies"/>.</summary>
    public CookieAgent(IAgent agent, CookieContainer cookies)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(cookies);
        _agent = agent;
        Cookies = cookies;
    }

    /// <summary>The cookie jar.</summary>
    public CookieContainer Cookies { get; }

    /// <inheritdoc />
    public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null)
    {
        var cookie = Cookies.GetCookieHeader(uri);
        if (cookie.Length > 0)
        {
            headers = headers?.Copy() ?? new Headers();
            var existing = headers.Get("Cookie");
            headers.Set("Cookie", existing is null ? cookie : $"{existing}; {cookie}");
        }

        return _agent.Request(method, uri, headers, body).AddCallback(response =>
        {
            foreach (var setCookie in response.Headers.GetAll("Set-Cookie"))
            {
                try
                {
                    Cookies.SetCookies(uri, setCookie);
                }
                catch (CookieException)
                {
                    // RFC 6265 section 5.2: a user agent ignores a Set-Cookie it cannot parse.
                }
            }

            return response;
        });
    }
}
