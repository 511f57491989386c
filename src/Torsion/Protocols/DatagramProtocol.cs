using System.Net;
using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>
/// Base class for datagram protocols (UDP, multicast, Unix datagram), after Twisted's DatagramProtocol: one protocol
/// per bound socket; override <see cref="DatagramReceived"/>.
/// </summary>
public abstract class DatagramProtocol
{
    private IDatagramTransport? _transport;
    private int _ports;

    /// <summary>The transport this protocol sends with (the last port it was attached to).</summary>
    /// <exception cref="InvalidOperationException">The protocol is not attached to a port.</exception>
    public IDatagramTransport Transport =>
        _transport ?? throw new InvalidOperationException($"{GetType().Name} has no transport: it is not listening on a port (or stopped).");

    /// <summary>Attaches the protocol to a port; the first attach calls <see cref="StartProtocol"/>.</summary>
    public void MakeConnection(IDatagramTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        if (_ports++ == 0)
        {
            StartProtocol();
        }
    }

    /// <summary>Detaches the protocol from a port that stopped; the last detach calls <see cref="StopProtocol"/>.</summary>
    public void DoStop()
    {
        if (_ports == 0)
        {
            throw new InvalidOperationException($"{GetType().Name}.DoStop called more often than MakeConnection.");
        }

        if (--_ports == 0)
        {
            StopProtocol();
            _transport = null;
        }
    }

    /// <summary>Called when the protocol starts listening (its transport is set).</summary>
    public virtual void StartProtocol()
    {
    }

    /// <summary>Called when the protocol's port stopped listening.</summary>
    public virtual void StopProtocol()
    {
    }

    /// <summary>A datagram arrived. The span is valid only during the call: copy what you keep.</summary>
    /// <param name="datagram">The datagram (cut at the port's maxPacketSize).</param>
    /// <param name="from">The sender; the same object for consecutive datagrams from one sender, so it may be compared by reference.</param>
    public virtual void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
    }

    /// <summary>
    /// Connected transports only: the connected address refused a datagram (an ICMP port unreachable came back),
    /// reported on the next send or receive.
    /// </summary>
    public virtual void ConnectionRefused()
    {
    }
}
