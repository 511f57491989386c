using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// Builds a protocol per connection around one <see cref="HttpHandler"/>: an <see cref="HttpServerProtocol"/>, or with
/// <see cref="HttpServerOptions.EnableHttp2"/> an <see cref="Http2.NegotiatingHttpProtocol"/> that serves HTTP/1.1 and HTTP/2.
/// </summary>
public class HttpServerFactory : Factory
{
    private readonly Func<IReactorTime> _time;
    private readonly HttpDateCache _date;

    /// <summary>A factory for connections on one reactor.</summary>
    public HttpServerFactory(HttpHandler handler, IReactorTime time, HttpServerOptions? options = null)
        : this(handler, options)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = () => time;
    }

    /// <summary>A factory for a port opened on a whole <see cref="ReactorGroup"/>: each connection's timers run on its own reactor.</summary>
    public HttpServerFactory(HttpHandler handler, ReactorGroup group, HttpServerOptions? options = null)
        : this(handler, options)
    {
        ArgumentNullException.ThrowIfNull(group);
        _time = () =>
        {
            foreach (var reactor in group.Reactors)
            {
                if (reactor.IsInReactorThread)
                {
                    return reactor;
                }
            }

            return group.Reactors[0];
        };
    }

    private HttpServerFactory(HttpHandler handler, HttpServerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Handler = handler;
        Options = options ?? HttpServerOptions.Default;
        _date = new HttpDateCache(Options.TimeProvider);
        _time = null!;
    }

    /// <summary>The handler every request goes to.</summary>
    public HttpHandler Handler { get; }

    /// <summary>The settings of every connection.</summary>
    public HttpServerOptions Options { get; }

    /// <inheritdoc/>
    public override IProtocol? BuildProtocol(EndPoint peer) =>
        Options.EnableHttp2
            ? new Http2.NegotiatingHttpProtocol(Handler, _time(), Options, _date) { Factory = this }
            : new HttpServerProtocol(Handler, _time(), Options, _date) { Factory = this };
}
