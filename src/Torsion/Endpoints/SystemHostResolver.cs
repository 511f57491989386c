using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Endpoints;

/// <summary>Resolves with <see cref="Dns.GetHostAddresses(string)"/> on a reactor pool thread; the answer comes back on the reactor thread.</summary>
public sealed class SystemHostResolver : IHostResolver
{
    private readonly IReactorThreads _reactor;

    /// <summary>A resolver that runs lookups through <paramref name="reactor"/>'s thread pool.</summary>
    public SystemHostResolver(IReactorThreads reactor)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        _reactor = reactor;
    }

    /// <inheritdoc />
    public Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        var result = new Deferred<IReadOnlyList<IPAddress>>();
        _reactor.CallInThread(() =>
        {
            IReadOnlyList<IPAddress>? addresses = null;
            Exception? error = null;
            try
            {
                addresses = Dns.GetHostAddresses(hostName);
                if (addresses.Count == 0)
                {
                    error = new DnsLookupException($"The host name '{hostName}' has no addresses.");
                }
            }
            catch (SocketException e)
            {
                error = new DnsLookupException($"The host name '{hostName}' could not be resolved: {e.Message}.", e);
            }
            catch (Exception e)
            {
                error = e;
            }

            _reactor.CallFromThread(() =>
            {
                if (result.Called)
                {
                    return; // cancelled meanwhile
                }

                if (error is null)
                {
                    result.Callback(addresses!);
                }
                else
                {
                    result.Errback(error);
                }
            });
        });
        return result;
    }
}
