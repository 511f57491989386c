using Torsion.Application;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// Stops an <see cref="HttpServerFactory"/> gracefully when its service stops (<c>torsion web</c> on SIGTERM): HTTP/2
/// connections get GOAWAY, finish their streams in flight, then close; the stop waits for them at most the timeout.
/// Add it to the same <see cref="MultiService"/> as the listening service.
/// </summary>
public sealed class HttpShutdownService : Service
{
    private readonly HttpServerFactory _factory;
    private readonly IReactorTime _time;
    private readonly TimeSpan _timeout;

    /// <summary>Drains <paramref name="factory"/>'s HTTP/2 connections on stop, waiting at most <paramref name="timeout"/>.</summary>
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
