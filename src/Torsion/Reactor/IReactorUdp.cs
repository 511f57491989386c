using Torsion.Protocols;
using Torsion.Transports.Udp;

namespace Torsion.Reactor;

/// <summary>UDP sockets.</summary>
public interface IReactorUdp
{
    /// <summary>
    /// Binds a UDP socket to <paramref name="port"/> (0: an ephemeral port, see <see cref="IListeningPort.Host"/>)
    /// and delivers every datagram to <paramref name="protocol"/>, whose <c>StartProtocol</c> runs at once.
    /// </summary>
    /// <param name="port">The UDP port, 0 to let the system choose.</param>
    /// <param name="protocol">Receives the datagrams.</param>
    /// <param name="interfaceAddress">An IP literal to bind to ("127.0.0.1", "::1"); null or empty: all IPv4 interfaces.</param>
    /// <param name="maxPacketSize">Longer datagrams are cut to this many bytes (at most the reactor's read buffer).</param>
    /// <exception cref="Torsion.Transports.CannotListenException">The address is in use or cannot be bound.</exception>
    IUdpTransport ListenUdp(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192);
}
