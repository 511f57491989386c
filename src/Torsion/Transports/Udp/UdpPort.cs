using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports.Tcp;

namespace Torsion.Transports.Udp;

/// <summary>
/// A UDP socket on a reactor (IPv4 or IPv6), unicast or multicast: the reading and sending of
/// <see cref="DatagramPort"/> plus IP addresses, connecting, broadcast and the multicast options.
/// </summary>
internal sealed class UdpPort : DatagramPort, IMulticastTransport
{
    private readonly EndPoint _host;

    private UdpPort(ReactorBase reactor, Socket socket, DatagramProtocol protocol, int maxPacketSize)
        : base(reactor, socket, protocol, maxPacketSize)
    {
        _host = socket.LocalEndPoint!;
    }

    public override EndPoint Host => _host;

    private protected override string Kind => "UDP";

    private bool IsIPv6 => Socket.AddressFamily == AddressFamily.InterNetworkV6;

    private SocketOptionLevel IPLevel => IsIPv6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;

    internal static UdpPort Listen(ReactorBase reactor, int port, DatagramProtocol protocol, string? interfaceAddress, int maxPacketSize, bool multicast, bool listenMultiple)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 1);
        var address = TcpPort.ParseInterface(interfaceAddress);
        var endPoint = new IPEndPoint(address, port);
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            var fd = (int)socket.Handle;
            if (listenMultiple)
            {
                if (Libc.UseRawIO)
                {
                    Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
                    Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }
            }

            if (multicast && Libc.UseRawIO)
            {
                // Linux delivers to a socket bound to the wildcard address every group any socket of the machine
                // joined (IP_MULTICAST_ALL); a listener should hear only the groups it joined itself.
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    Libc.SetInt(fd, UnixLibc.IPPROTO_IPV6, UnixLibc.IPV6_MULTICAST_ALL, 0);
                }
                else
                {
                    Libc.SetInt(fd, UnixLibc.IPPROTO_IP, UnixLibc.IP_MULTICAST_ALL, 0);
                }
            }

            socket.Blocking = false;
            socket.Bind(endPoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another socket is bound there)",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                SocketError.AddressNotAvailable => "no interface of this machine has that address",
                _ => e.Message,
            };
            throw new CannotListenException(endPoint, reason, e);
        }

        var udp = new UdpPort(reactor, socket, protocol, maxPacketSize);
        udp.Start();
        return udp;
    }

    // ---- addresses ----

    private protected override EndPoint DecodeAddress(ReadOnlySpan<byte> sockaddr)
    {
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        if (family == UnixLibc.AF_INET6)
        {
            var scope = BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..]);
            return new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), scope), port);
        }

        return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port);
    }

    private protected override int EncodeAddress(EndPoint to, Span<byte> sockaddr)
    {
        if (to is not IPEndPoint ip)
        {
            throw new ArgumentException($"A UDP datagram goes to an IPEndPoint, not to {to} ({to.GetType().Name}).", nameof(to));
        }

        var address = ip.Address;
        if (IsIPv6 && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }
        else if (!IsIPv6 && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (!address.IsIPv4MappedToIPv6)
            {
                throw new ArgumentException($"{this} is an IPv4 socket and cannot send to the IPv6 address {to}: listen on \"::\" or \"::1\" for IPv6.", nameof(to));
            }

            address = address.MapToIPv4();
        }

        sockaddr[..28].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)ip.Port);
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, UnixLibc.AF_INET6);
            address.TryWriteBytes(sockaddr.Slice(8, 16), out _);
            BinaryPrimitives.WriteUInt32LittleEndian(sockaddr[24..], (uint)address.ScopeId);
            return 28;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, UnixLibc.AF_INET);
        address.TryWriteBytes(sockaddr.Slice(4, 4), out _);
        return 16;
    }

    private protected override EndPoint CreateEndPoint(SocketAddress address) => _host.Create(address);

    // ---- connecting, broadcast ----

    public void Connect(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (!IPAddress.TryParse(host, out var address))
        {
            throw new ArgumentException($"A UDP socket connects to an IP literal such as 127.0.0.1 or ::1, not to the host name '{host}': look the name up first.", nameof(host));
        }

        if (IsIPv6 && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }
        else if (!IsIPv6 && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{this} is an IPv4 socket and cannot connect to the IPv6 address {host}.", nameof(host));
        }

        ConnectTo(new IPEndPoint(address, port));
    }

    public bool BroadcastAllowed => Socket.EnableBroadcast;

    public void SetBroadcastAllowed(bool allowed)
    {
        Reactor.CheckThread(nameof(SetBroadcastAllowed));
        Socket.EnableBroadcast = allowed;
    }

    // ---- multicast ----

    public Deferred<Unit> JoinGroup(IPAddress group, IPAddress? interfaceAddress = null) => Membership(group, interfaceAddress, join: true);

    public Deferred<Unit> LeaveGroup(IPAddress group, IPAddress? interfaceAddress = null) => Membership(group, interfaceAddress, join: false);

    private Deferred<Unit> Membership(IPAddress group, IPAddress? interfaceAddress, bool join)
    {
        ArgumentNullException.ThrowIfNull(group);
        Reactor.CheckThread(join ? nameof(JoinGroup) : nameof(LeaveGroup));
        var what = $"{(join ? "Joining" : "Leaving")} the multicast group {group}{(interfaceAddress is null ? "" : $" on the interface {interfaceAddress}")} from {this}";
        if (!group.IsIPv6Multicast && !(group.AddressFamily == AddressFamily.InterNetwork && (group.GetAddressBytes()[0] & 0xF0) == 0xE0))
        {
            return Deferred.Fail<Unit>(new MulticastJoinException($"{what} failed: {group} is not a multicast address (224.0.0.0/4 or ff00::/8)."));
        }

        try
        {
            var name = join ? SocketOptionName.AddMembership : SocketOptionName.DropMembership;
            if (group.AddressFamily == AddressFamily.InterNetworkV6)
            {
                var index = interfaceAddress is null ? 0 : InterfaceIndex(interfaceAddress);
                Socket.SetSocketOption(SocketOptionLevel.IPv6, name, new IPv6MulticastOption(group, index));
            }
            else
            {
                Socket.SetSocketOption(SocketOptionLevel.IP, name, new MulticastOption(group, interfaceAddress ?? IPAddress.Any));
            }
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return Deferred.Fail<Unit>(new MulticastJoinException($"{what} failed: {e.Message}", e));
        }

        return Deferred.Succeed();
    }

    /// <summary>The index of the interface that has <paramref name="address"/> (IPv6 names interfaces by index).</summary>
    private static long InterfaceIndex(IPAddress address)
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = nic.GetIPProperties();
            if (properties.UnicastAddresses.Any(u => u.Address.Equals(address)))
            {
                return properties.GetIPv6Properties().Index;
            }
        }

        throw new ArgumentException($"No network interface of this machine has the address {address}.", nameof(address));
    }

    public int Ttl => (int)Socket.GetSocketOption(IPLevel, SocketOptionName.MulticastTimeToLive)!;

    public void SetTtl(int ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttl, 255);
        Reactor.CheckThread(nameof(SetTtl));
        Socket.SetSocketOption(IPLevel, SocketOptionName.MulticastTimeToLive, ttl);
    }

    public bool LoopbackMode => (int)Socket.GetSocketOption(IPLevel, SocketOptionName.MulticastLoopback)! != 0;

    public void SetLoopbackMode(bool loopback)
    {
        Reactor.CheckThread(nameof(SetLoopbackMode));
        Socket.SetSocketOption(IPLevel, SocketOptionName.MulticastLoopback, loopback);
    }

    public void SetOutgoingInterface(IPAddress interfaceAddress)
    {
        ArgumentNullException.ThrowIfNull(interfaceAddress);
        Reactor.CheckThread(nameof(SetOutgoingInterface));
        if (IsIPv6)
        {
            Socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, (int)InterfaceIndex(interfaceAddress));
        }
        else
        {
            if (interfaceAddress.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException($"{this} is an IPv4 socket: its outgoing multicast interface is an IPv4 address, not {interfaceAddress}.", nameof(interfaceAddress));
            }

            Socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, interfaceAddress.GetAddressBytes());
        }
    }
}
