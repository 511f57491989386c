using System.Net;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// A bound datagram socket (UDP, Unix datagram) as its <see cref="Protocols.DatagramProtocol"/> sees it: send a
/// datagram to an address, or to the connected address. Used from its reactor thread only.
/// </summary>
public interface IDatagramTransport : IListeningPort
{
    /// <summary>
    /// Sends one datagram to <paramref name="to"/> at once (datagrams are not batched). A datagram the system has
    /// no buffer room for is dropped, as UDP may drop it anywhere on the way.
    /// </summary>
    /// <exception cref="ArgumentException">The datagram is larger than the socket can send, or the address is of the wrong family.</exception>
    /// <exception cref="InvalidOperationException">The transport is connected and <paramref name="to"/> is another address.</exception>
    void Write(ReadOnlySpan<byte> datagram, EndPoint to);

    /// <summary>Sends one datagram to the connected address.</summary>
    /// <exception cref="InvalidOperationException">The transport is not connected.</exception>
    void Write(ReadOnlySpan<byte> datagram);

    /// <summary>The address given to <c>Connect</c>, or null while not connected.</summary>
    EndPoint? ConnectedAddress { get; }
}
