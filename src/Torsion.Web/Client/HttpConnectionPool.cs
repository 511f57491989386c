using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Client;

/// <summary>
/// Persistent connections per key (scheme, host, port), as Twisted's <c>HTTPConnectionPool</c>: idle connections are
/// reused first, at most <see cref="AgentOptions.MaxConnectionsPerHost"/> are open per key (more requests wait), and an
/// idle one closes after <see cref="AgentOptions.IdleTimeout"/>.
/// </summary>
internal sealed class HttpConnectionPool(IReactorTime time, AgentOptions options)
{
    private readonly Dictionary<string, HostConnections> _hosts = [];

    /// <summary>Connections opened so far (for tests and figures).</summary>
    public int ConnectionsOpened { get; private set; }

    public Deferred<HttpClientProtocol> Acquire(string key, Func<IStreamClientEndpoint> endpoint)
    {
        if (!_hosts.TryGetValue(key, out var host))
        {
            _hosts[key] = host = new HostConnections();
        }

        if (TakeIdle(host) is { } idle)
        {
            return Deferred.Succeed(idle);
        }

        if (host.Active < options.MaxConnectionsPerHost)
        {
            return Open(key, host, endpoint);
        }

        var waiter = new Deferred<HttpClientProtocol>(d =>
        {
            for (var node = host.Waiters.First; node is not null; node = node.Next)
            {
                if (node.Value.Waiter == d)
                {
                    host.Waiters.Remove(node);
                    break;
                }
            }
        });
        host.Waiters.AddLast((waiter, endpoint));
        return waiter;
    }

    /// <summary>
    /// Takes over a connection opened elsewhere (an https connection on which the server chose http/1.1 by ALPN when
    /// HTTP/2 was offered): it becomes idle, or serves a waiting request at once.
    /// </summary>
    public HttpClientProtocol Adopt(string key)
    {
        if (!_hosts.TryGetValue(key, out var host))
        {
            _hosts[key] = host = new HostConnections();
        }

        host.Active++;
        var protocol = new HttpClientProtocol(time, options.ResponseTimeout, options.ResponseLimits);
        protocol.Reusable = p => Release(key, host, p);
        protocol.Lost = p => Dropped(key, host, p);
        return protocol;
    }

    /// <summary>Offers an adopted connection, now connected, for requests.</summary>
    public void Offer(HttpClientProtocol protocol) => protocol.Reusable?.Invoke(protocol);

    /// <summary>An idle connection for <paramref name="key"/>, now counted as busy, or null when there is none.</summary>
    public HttpClientProtocol? TakeIdle(string key) => _hosts.TryGetValue(key, out var host) ? TakeIdle(host) : null;

    private static HttpClientProtocol? TakeIdle(HostConnections host)
    {
        while (host.Idle.Count > 0)
        {
            var (protocol, timer) = host.Idle[^1];
            host.Idle.RemoveAt(host.Idle.Count - 1);
            if (timer.Active)
            {
                timer.Cancel();
            }

            if (!protocol.IsLost)
            {
                host.Active++;
                return protocol;
            }
        }

        return null;
    }

    private Deferred<HttpClientProtocol> Open(string key, HostConnections host, Func<IStreamClientEndpoint> endpoint)
    {
        host.Active++;
        ConnectionsOpened++;
        var protocol = new HttpClientProtocol(time, options.ResponseTimeout, options.ResponseLimits);
        protocol.Reusable = p => Release(key, host, p);
        protocol.Lost = p => Dropped(key, host, p);
        Deferred<IProtocol> connecting;
        try
        {
            connecting = endpoint().Connect(ClientFactory.ForProtocol(() => protocol));
        }
        catch (Exception e)
        {
            connecting = Deferred.Fail<IProtocol>(e);
        }

        return connecting.AddCallbacks(
            _ => protocol,
            error =>
            {
                protocol.Lost = null;
                host.Active--;
                ServeWaiter(key, host);
                throw error;
            });
    }

    private void Release(string key, HostConnections host, HttpClientProtocol protocol)
    {
        if (host.Waiters.First is { } first)
        {
            host.Waiters.RemoveFirst();
            first.Value.Waiter.Callback(protocol);
            return;
        }

        host.Active--;
        var timer = time.CallLater(options.IdleTimeout, () =>
        {
            if (host.Idle.RemoveAll(i => i.Protocol == protocol) > 0)
            {
                protocol.Transport.LoseConnection();
            }
        });
        host.Idle.Add((protocol, timer));
    }

    private void Dropped(string key, HostConnections host, HttpClientProtocol protocol)
    {
        var idle = host.Idle.FindIndex(i => i.Protocol == protocol);
        if (idle >= 0)
        {
            if (host.Idle[idle].Timer.Active)
            {
                host.Idle[idle].Timer.Cancel();
            }

            host.Idle.RemoveAt(idle);
            return;
        }

        host.Active--;
        ServeWaiter(key, host);
    }

    private void ServeWaiter(string key, HostConnections host)
    {
        if (host.Waiters.First is { } first && host.Active < options.MaxConnectionsPerHost)
        {
            host.Waiters.RemoveFirst();
            Open(key, host, first.Value.Endpoint).ChainDeferred(first.Value.Waiter);
        }
    }

    /// <summary>Closes every idle connection.</summary>
    public void CloseIdle()
    {
        foreach (var host in _hosts.Values)
        {
            foreach (var (protocol, timer) in host.Idle.ToList())
            {
                if (timer.Active)
                {
                    timer.Cancel();
                }

                protocol.Transport.LoseConnection();
            }

            host.Idle.Clear();
        }
    }

    private sealed class HostConnections
    {
        public int Active;

        public List<(HttpClientProtocol Protocol, IDelayedCall Timer)> Idle { get; } = [];

        public LinkedList<(Deferred<HttpClientProtocol> Waiter, Func<IStreamClientEndpoint> Endpoint)> Waiters { get; } = [];
    }
}
