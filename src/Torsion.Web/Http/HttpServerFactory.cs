using System.Net;
using Torsion.Defer;
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
    private readonly Lock _lock = new();
    private readonly HashSet<Http2.NegotiatingHttpProtocol> _connections = [];
    private readonly List<(Http2.NegotiatingHttpProtocol Connection, Action Closed)> _draining = [];

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

    /// <summary>
    /// Graceful shutdown of the HTTP/2 connections this factory made (RFC 9113 section 6.8): each gets GOAWAY with the
    /// last stream id it accepted, finishes the streams in flight, then closes. The Deferred fires once they are all
    /// closed, or after <paramref name="timeout"/> (the caller then aborts what is left, as the reactor's shutdown does).
    /// HTTP/1.1 connections are left to the reactor's own shutdown. Call it from the reactor thread of a factory made
    /// for one reactor (with a <see cref="ReactorGroup"/>, each reactor's shutdown closes its connections instead).
    /// </summary>
    public Deferred<Unit> Shutdown(TimeSpan timeout, IReactorTime time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Http2.NegotiatingHttpProtocol[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        var done = new Deferred<Unit>();
        var pending = 0;
        IDelayedCall? timer = null;
        void Closed()
        {
            if (--pending == 0 && !done.Called)
            {
                if (timer is { Active: true })
                {
                    timer.Cancel();
                }

                done.Callback(Unit.Value);
            }
        }

        pending = 1;
        foreach (var connection in connections)
        {
            if (connection.Http2 is null)
            {
                continue;
            }

            pending++;
            lock (_lock)
            {
                _draining.Add((connection, Closed));
            }

            connection.Shutdown();
        }

        if (pending > 1)
        {
            timer = time.CallLater(timeout, () =>
            {
                if (!done.Called)
                {
                    done.Callback(Unit.Value);
                }
            });
        }

        Closed();
        return done;
    }

    internal void Track(Http2.NegotiatingHttpProtocol connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
        }
    }

    internal void Untrack(Http2.NegotiatingHttpProtocol connection)
    {
        Action? closed = null;
        lock (_lock)
        {
            _connections.Remove(connection);
            var i = _draining.FindIndex(d => d.Connection == connection);
            if (i >= 0)
            {
                closed = _draining[i].Closed;
                _draining.RemoveAt(i);
            }
        }

        closed?.Invoke();
    }
}
