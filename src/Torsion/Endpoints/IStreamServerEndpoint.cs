using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>Where a stream server listens (Twisted's <c>IStreamServerEndpoint</c>): TCP, Unix, TLS, systemd, PROXY...</summary>
public interface IStreamServerEndpoint
{
    /// <summary>Starts listening; fires with the port, or fails with why it cannot listen (e.g. <c>CannotListenException</c>).</summary>
    Deferred<IListeningPort> Listen(IProtocolFactory factory);
}
