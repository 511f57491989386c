using System.Text;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Client;

/// <summary>
/// Connects through an HTTP proxy's CONNECT tunnel (RFC 9110 section 9.3.6; Twisted's <c>TunnelingAgent</c>): connects
/// to the proxy with <see cref="Proxy"/>, asks for <c>CONNECT host:port</c>, and on a 2xx answer hands the connection
/// to the protocol built by the factory, which then talks to the origin (usually TLS: wrap this endpoint in a
/// <see cref="TlsClientEndpoint"/> whose options name the origin, not the proxy). Any other answer fails the
/// connection with <see cref="ProxyTunnelException"/>.
/// </summary>
internal sealed class HttpProxyTunnelEndpoint : IStreamClientEndpoint
{
    public HttpProxyTunnelEndpoint(IStreamClientEndpoint proxy, string host, int port, string? proxyAuthorization, IReactorTime time, TimeSpan answerTimeout)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        AnswerTimeout = answerTimeout;
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Proxy = proxy;
        Authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
        ProxyAuthorization = proxyAuthorization;
    }

    /// <summary>The endpoint of the proxy itself.</summary>
    public IStreamClientEndpoint Proxy { get; }

    /// <summary>The CONNECT target (authority-form, RFC 9112 section 3.2.3): host:port.</summary>
    public string Authority { get; }

    /// <summary>The clock for <see cref="AnswerTimeout"/>.</summary>
    public IReactorTime Time { get; }

    /// <summary>How long the proxy may take to answer CONNECT once connected.</summary>
    public TimeSpan AnswerTimeout { get; }

    /// <summary>The Proxy-Authorization field value sent with CONNECT, if any.</summary>
    public string? ProxyAuthorization { get; }

    /// <summary>The value of Proxy-Authorization for Basic credentials (RFC 7617) in a proxy URI's user info, or null.</summary>
    public static string? BasicAuthorization(Uri proxy)
    {
        if (string.IsNullOrEmpty(proxy.UserInfo))
        {
            return null;
        }

        var colon = proxy.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? proxy.UserInfo : proxy.UserInfo[..colon]);
        var password = colon < 0 ? string.Empty : Uri.UnescapeDataString(proxy.UserInfo[(colon + 1)..]);
        return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
    }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        HttpProxyTunnelProtocol? tunnel = null;
        try
        {
            // Fires once CONNECT was answered with 2xx (a Deferred returned by a callback pauses the chain; cancelling
            // meanwhile cancels Opened, which aborts the connection to the proxy).
            return Proxy.Connect(new ClientFactory(peer => tunnel = new HttpProxyTunnelProtocol(Authority, ProxyAuthorization, factory, peer, Time, AnswerTimeout)))
                .AddCallback(_ => tunnel!.Opened);
        }
        catch (Exception e)
        {
            return Deferred.Fail<IProtocol>(e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"CONNECT {Authority} through {Proxy}";
}
