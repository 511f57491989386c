using System.Net;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Transports.Udp;

namespace Torsion.Testing;

/// <summary>
/// One <c>ListenUdp</c> or <c>ListenMulticast</c> call recorded by <see cref="MemoryReactor"/>; also the transport it
/// returned, which records writes, connects, group memberships and options instead of sending.
/// </summary>
public sealed class UdpListenRecord : IMulticastTransport
{
    internal UdpListenRecord(int port, DatagramProtocol protocol, string? interfaceAddress, int maxPacketSize, bool multicast, bool listenMultiple, EndPoint host)
    {
        Port = port;
        Protocol = protocol;
        InterfaceAddress = interfaceAddress;
        MaxPacketSize = maxPacketSize;
        Multicast = multicast;
        ListenMultiple = listenMultiple;
        Host = host;
    }

    /// <summary>The port asked for.</summary>
    public int Port { get; }

    /// <summary>The protocol given.</summary>
    public DatagramProtocol Protocol { get; }

    /// <summary>The interface given, if any.</summary>
    public string? InterfaceAddress { get; }

    /// <summary>The maximum datagram size given.</summary>
    public int MaxPacketSize { get; }

    /// <summary>True for <c>ListenMulticast</c>.</summary>
    public bool Multicast { get; }

    /// <summary>The listenMultiple flag given to <c>ListenMulticast</c>.</summary>
    public bool ListenMultiple { get; }

    /// <summary>Every datagram written, in order.</summary>
    public List<DatagramWrite> Writes { get; } = [];

    /// <summary>The groups joined and not left, with the interface given.</summary>
    public List<(IPAddress Group, IPAddress? Interface)> Groups { get; } = [];

    /// <summary>The outgoing multicast interface set, if any.</summary>
    public IPAddress? OutgoingInterface { get; private set; }

    /// <summary>True once <see cref="StopListening"/> was called.</summary>
    public bool Stopped { get; private set; }

    /// <inheritdoc />
    public EndPoint Host { get; }

    /// <inheritdoc />
    public EndPoint? ConnectedAddress { get; private set; }

    /// <inheritdoc />
    public bool BroadcastAllowed { get; private set; }

    /// <inheritdoc />
    public int Ttl { get; private set; } = 1;

    /// <inheritdoc />
    public bool LoopbackMode { get; private set; } = true;

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> datagram, EndPoint to) => Writes.Add(new DatagramWrite(datagram.ToArray(), to));

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> datagram)
    {
        if (ConnectedAddress is null)
        {
            throw new InvalidOperationException("The recorded UDP transport is not connected: give the address to send to, or call Connect first.");
        }

        Writes.Add(new DatagramWrite(datagram.ToArray(), null));
    }

    /// <inheritdoc />
    public void Connect(string host, int port) => ConnectedAddress = new IPEndPoint(IPAddress.Parse(host), port);

    /// <inheritdoc />
    public void SetBroadcastAllowed(bool allowed) => BroadcastAllowed = allowed;

    /// <inheritdoc />
    public Deferred<Unit> JoinGroup(IPAddress group, IPAddress? interfaceAddress = null)
    {
        Groups.Add((group, interfaceAddress));
        return Deferred.Succeed();
    }

    /// <inheritdoc />
    public Deferred<Unit> LeaveGroup(IPAddress group, IPAddress? interfaceAddress = null) =>
        Groups.Remove((group, interfaceAddress))
            ? Deferred.Succeed()
            : Deferred.Fail<Unit>(new MulticastJoinException($"Leaving the multicast group {group}: it was not joined."));

    /// <inheritdoc />
    public void SetTtl(int ttl) => Ttl = ttl;

    /// <inheritdoc />
    public void SetLoopbackMode(bool loopback) => LoopbackMode = loopback;

    /// <inheritdoc />
    public void SetOutgoingInterface(IPAddress interfaceAddress) => OutgoingInterface = interfaceAddress;

    /// <summary>Stops the protocol (StopProtocol runs) and marks the record stopped.</summary>
    public Deferred<Unit> StopListening()
    {
        if (!Stopped)
        {
            Stopped = true;
            Protocol.DoStop();
        }

        return Deferred.Succeed();
    }
}
