using System.Net;
using Torsion.Protocols;

namespace Torsion.Reactor;

/// <summary>TCP servers and clients.</summary>
public interface IReactorTcp
{
    /// <summary>
    /// Listens on <paramref name="port"/> (0: an ephemeral port, see <see cref="IListeningPort.Host"/>) and builds a
    /// protocol with <paramref name="factory"/> for each connection.
    /// </summary>
    /// <param name="port">The TCP port, 0 to let the system choose.</param>
    /// <param name="factory">Builds one protocol per accepted connection.</param>
    /// <param name="backlog">The most connections the system queues before they are accepted.</param>
    /// <param name="interfaceAddress">An IP literal to bind to (e.g. "127.0.0.1", "::1"); null or empty: all IPv4 interfaces.</param>
    /// <exception cref="Torsion.Transports.CannotListenException">The address is in use (the message names address and port) or cannot be bound.</exception>
    IListeningPort ListenTcp(int port, IProtocolFactory factory, int backlog = 50, string? interfaceAddress = null);

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>; the factory hears of the outcome through
    /// <see cref="ClientFactory"/>'s events.
    /// </summary>
    /// <param name="host">An IP literal or a host name (resolved off the reactor thread).</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="factory">Builds the protocol once connected.</param>
    /// <param name="timeout">How long connecting may take (default 30 s); then <see cref="TimeoutException"/>.</param>
    /// <param name="bindAddress">A local address to connect from, or null.</param>
    IConnector ConnectTcp(string host, int port, ClientFactory factory, TimeSpan? timeout = null, IPEndPoint? bindAddress = null);
}
