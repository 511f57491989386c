using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Client;

/// <summary>
/// Sends http requests through a plain HTTP proxy (Twisted's <c>ProxyAgent</c>): every request goes to the proxy with
/// an absolute-form target (RFC 9112 section 3.2.2), over pooled connections to the proxy. https through a proxy
/// (CONNECT tunnels) is not supported yet.
/// </summary>
public sealed class ProxyAgent : IAgent
{
    private readonly Agent _agent;

    /// <summary>Uses the proxy at <paramref name="proxy"/> (an http URI: host and port).</summary>
    public ProxyAgent(IReactor reactor, Uri proxy, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (!proxy.IsAbsoluteUri || proxy.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"The proxy '{proxy}' is not an http URI (http://host:port).", nameof(proxy));
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
