using Torsion.Protocols;
using Torsion.Transports.Udp;

namespace Torsion.Reactor;

/// <summary>UDP multicast sockets.</summary>
public interface IReactorMulticast
{
    /// <summary>
    /// Binds a UDP socket for multicast to <paramref name="port"/>; join groups with
    /// <see cref="IMulticastTransport.JoinGroup"/>. On Linux the socket receives only the groups it joined itself
    /// (IP_MULTICAST_ALL off), not every group some other socket of the machine joined.
    /// </summary>
    /// <param name="port">The UDP port, 0 to let the system choose.</param>
    /// <param name="protocol">Receives the datagrams.</param>
    /// <param name="interfaceAddress">An IP literal to bind to; null or empty: all IPv4 interfaces (what receiving a group needs).</param>
    /// <param name="maxPacketSize">Longer datagrams are cut to this many bytes.</param>
    /// <param name="listenMultiple">Lets several sockets (of this or other processes) bind the same port (SO_REUSEADDR and SO_REUSEPORT); each gets every group datagram.</param>
    /// <exception cref="Torsion.Transports.CannotListenException">The address is in use or cannot be bound.</exception>
    IMulticastTransport ListenMulticast(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192, bool listenMultiple = false);
}
