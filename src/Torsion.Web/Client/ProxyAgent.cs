using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Client;

/// <summary>
/// Sends requests through an HTTP proxy (Twisted's <c>ProxyAgent</c> and <c>TunnelingAgent</c>): http requests go to
/// the proxy with an absolute-form target (RFC 9112 section 3.2.2) over pooled connections to the proxy; https requests
/// go through a <c>CONNECT host:port</c> tunnel (RFC 9110 section 9.3.6), with TLS verified against the origin's name,
/// one pooled tunnel per origin. A proxy that refuses the tunnel fails the request with <see cref="ProxyTunnelException"/>.
/// Credentials in the proxy URI (<c>http://user:password@proxy:3128</c>) are sent as Basic Proxy-Authorization.
/// </summary>
public sealed class ProxyAgent : IAgent
{
    private readonly Agent _agent;

    /// <summary>Uses the proxy at <paramref name="proxy"/> (an http URI: host and port, and optionally user:password).</summary>
    public ProxyAgent(IReactor reactor, Uri proxy, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (!proxy.IsAbsoluteUri || proxy.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"The proxy '{proxy}' is not an http URI (http://host:port or http://user:password@host:port).", nameof(proxy));
        }

        Proxy = proxy;
        _agent = new Agent(reactor, options, proxy);
    }

    /// <summary>The proxy.</summary>
    public Uri Proxy { get; }

    /// <inheritdoc />
    public Deferred<HttpResponse> Request(string method, Uri uri, Headers? headers = null, IBodyProducer? body = null) =>
        _agent.Request(method, uri, headers, body);
}
