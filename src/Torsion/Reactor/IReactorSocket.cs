using System.Net.Sockets;
using Torsion.Protocols;

namespace Torsion.Reactor;

/// <summary>
/// Sockets made elsewhere and handed to the reactor (Twisted's <c>IReactorSocket</c>): a listening socket inherited
/// through systemd socket activation (sd_listen_fds) or passed over a Unix socket.
/// </summary>
public interface IReactorSocket
{
    /// <summary>
    /// Accepts connections on the listening stream socket <paramref name="fileDescriptor"/> and builds a protocol with
    /// <paramref name="factory"/> for each. The reactor works on its own copy of the descriptor (dup), so the caller
    /// still owns <paramref name="fileDescriptor"/>; StopListening closes only the copy.
    /// </summary>
    /// <param name="fileDescriptor">A bound, listening stream socket.</param>
    /// <param name="addressFamily">Its family: InterNetwork or InterNetworkV6 (TCP).</param>
    /// <param name="factory">Builds one protocol per accepted connection.</param>
    /// <exception cref="ArgumentException">The descriptor is not a listening stream socket of <paramref name="addressFamily"/> (the message says what it is).</exception>
    /// <exception cref="NotSupportedException">The family is not supported (Unix sockets are not adopted yet).</exception>
    IListeningPort AdoptStreamPort(int fileDescriptor, AddressFamily addressFamily, IProtocolFactory factory);
}
