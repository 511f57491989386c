using Torsion.Application;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// Stops an <see cref="HttpServerFactory"/> gracefully when its service stops (<c>torsion web</c> on SIGTERM): HTTP/2
/// connections get GOAWAY and finish their streams in flight, idle HTTP/1.1 connections close at once and busy ones
/// after the response in flight, WebSockets get close 1001; the stop waits for them at most the timeout, then aborts
/// the rest (see <see cref="HttpServerFactory.Shutdown"/>). Add it to the same <see cref="MultiService"/> as the
/// listening service; with a <see cref="ReactorGroup"/> factory it drains the connections of every reactor.
/// </summary>
public sealed class HttpShutdownService : Service
{
    private readonly HttpServerFactory _factory;
    private readonly IReactorTime _time;
    private readonly TimeSpan _timeout;

    /// <summary>Drains <paramref name="factory"/>'s connections on stop, waiting at most <paramref name="timeout"/> (the Deferred fires on <paramref name="time"/>'s thread).</summary>
    public HttpShutdownService(HttpServerFactory factory, IReactorTime time, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(time);
        _factory = factory;
        _time = time;
        _timeout = timeout;
    }

    /// <inheritdoc/>
    public override Deferred<Unit> StopService()
    {
        base.StopService();
        return _factory.Shutdown(_timeout, _time);
    }
}
