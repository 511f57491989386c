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
    private readonly HashSet<IHttpServerConnection> _connections = [];
    private HttpServerDrain? _drain;

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

    /// <summary>Builds the protocol of one connection; null (refused: the port closes it) once <see cref="Shutdown"/> was called.</summary>
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        if (Volatile.Read(ref _drain) is not null)
        {
            return null;
        }

        return Options.EnableHttp2
            ? new Http2.NegotiatingHttpProtocol(Handler, _time(), Options, _date) { Factory = this }
            : new HttpServerProtocol(Handler, _time(), Options, _date) { Factory = this };
    }

    /// <summary>
    /// Graceful shutdown of the connections this factory made, each on its own reactor's thread (all reactors of a
    /// <see cref="ReactorGroup"/>): new connections are refused; an HTTP/2 connection gets GOAWAY 2^31-1 with a PING,
    /// then (on the PING's ACK, or after <see cref="Http2.Http2Limits.ShutdownPingTimeout"/>) GOAWAY with the last stream
    /// id it accepted (RFC 9113 section 6.8), and finishes the streams in flight; an idle HTTP/1.1 connection closes at
    /// once, one with a request in flight finishes that response (with <c>Connection: close</c> when its head was not
    /// sent yet) and closes without reading further pipelined requests (RFC 9112 section 9.6); a WebSocket gets a close
    /// frame 1001 (going away). The Deferred fires once every connection is closed, or after
    /// <paramref name="timeout"/>, when the connections still open are aborted. Call it on <paramref name="time"/>'s
    /// reactor thread, where the timeout runs and the Deferred fires (with a group, e.g. <c>group.Reactors[0]</c> by
    /// <c>CallFromThread</c>). A second call waits for the same shutdown.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The timeout is negative.</exception>
    public Deferred<Unit> Shutdown(TimeSpan timeout, IReactorTime time)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        HttpServerDrain drain;
        IHttpServerConnection[] connections;
        lock (_lock)
        {
            if (_drain is { } running)
            {
                return running.Wait();
            }

            drain = new HttpServerDrain(time, Remaining);
            connections = [.. _connections];
            for (var i = 0; i < connections.Length; i++)
            {
                drain.Add();
            }

            Volatile.Write(ref _drain, drain);
        }

        var done = drain.Wait();
        HttpServerDrain.OnThread(time, () => drain.Start(connections, timeout));
        return done;
    }

    /// <summary>Tracks a connection; true when a shutdown has started, so the connection must drain at once.</summary>
    internal bool Track(IHttpServerConnection connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
            _drain?.Add();
            return _drain is not null;
        }
    }

    internal void Untrack(IHttpServerConnection connection)
    {
        HttpServerDrain? drain;
        lock (_lock)
        {
            if (!_connections.Remove(connection))
            {
                return;
            }

            drain = _drain;
        }

        drain?.Release();
    }

    private IHttpServerConnection[] Remaining()
    {
        lock (_lock)
        {
            return [.. _connections];
        }
    }
}
