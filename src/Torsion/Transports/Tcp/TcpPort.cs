using System.Net;
using System.Net.Sockets;
using Torsion.Diagnostics;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Tcp;

/// <summary>
/// A listening TCP socket on a reactor: the accept loop of <see cref="StreamPort"/> plus TCP's parts (binding to an
/// interface and port, SO_REUSEADDR/SO_REUSEPORT, adopting a socket from systemd, NoDelay on accepted connections).
/// </summary>
internal sealed class TcpPort : StreamPort
{
    private const int SO_ACCEPTCONN = 30;

    private TcpPort(ReactorBase reactor, Socket socket, IProtocolFactory factory)
        : base(reactor, socket, factory, socket.LocalEndPoint!, new PortTag($"tcp:{socket.LocalEndPoint}"))
    {
    }

    /// <summary>Parses an interface argument: null or empty means all IPv4 interfaces.</summary>
    internal static IPAddress ParseInterface(string? interfaceAddress) =>
        string.IsNullOrEmpty(interfaceAddress) ? IPAddress.Any
        : IPAddress.TryParse(interfaceAddress, out var address) ? address
        : throw new ArgumentException($"The interface to listen on must be an IP literal such as 127.0.0.1 or ::1, not '{interfaceAddress}'.", nameof(interfaceAddress));

    internal static TcpPort Listen(ReactorBase reactor, int port, IProtocolFactory factory, int backlog, string? interfaceAddress, bool reusePort)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 0);
        var address = ParseInterface(interfaceAddress);
        var endPoint = new IPEndPoint(address, port);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (Libc.UseRawIO)
            {
                // POSIX SO_REUSEADDR only allows rebinding over TIME_WAIT after a restart; it never shares a live port.
                // (Not through .NET's ReuseAddress: on Unix that sets SO_REUSEPORT too, and would share a live port.)
                Libc.SetInt((int)socket.Handle, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            }

            if (reusePort)
            {
                Libc.SetInt((int)socket.Handle, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }

            socket.Blocking = false;
            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another socket listens there)",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                SocketError.AddressNotAvailable => "no interface of this machine has that address",
                _ => e.Message,
            };
            throw new CannotListenException(endPoint, reason, e);
        }

        var listening = new TcpPort(reactor, socket, factory);
        listening.Start();
        return listening;
    }

    /// <summary>Accepts on a listening socket made elsewhere (systemd socket activation): works on a close-on-exec copy.</summary>
    internal static TcpPort Adopt(ReactorBase reactor, int fileDescriptor, AddressFamily addressFamily, IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (addressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new NotSupportedException($"Only TCP listening sockets (InterNetwork, InterNetworkV6) can be adopted, not {addressFamily}.");
        }

        var copy = UnixLibc.Duplicate(fileDescriptor);
        if (copy < 0)
        {
            throw new ArgumentException($"Descriptor {fileDescriptor} cannot be adopted: {Libc.Describe(Libc.Errno)}.", nameof(fileDescriptor));
        }

        var socket = new Socket(new SafeSocketHandle(copy, ownsHandle: true));
        try
        {
            if (socket.SocketType != SocketType.Stream || socket.AddressFamily != addressFamily)
            {
                throw new ArgumentException(
                    $"Descriptor {fileDescriptor} is a {socket.AddressFamily} {socket.SocketType} socket, not a {addressFamily} stream socket.", nameof(fileDescriptor));
            }

            if (Libc.GetInt(copy, Libc.SOL_SOCKET, SO_ACCEPTCONN) == 0)
            {
                throw new ArgumentException($"Descriptor {fileDescriptor} ({socket.LocalEndPoint}) is not listening (listen() was not called on it).", nameof(fileDescriptor));
            }

            socket.Blocking = false;
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var listening = new TcpPort(reactor, socket, factory);
        listening.Start();
        return listening;
    }

    private protected override EndPoint PeerOf(Socket socket, ReadOnlySpan<byte> address)
    {
        socket.NoDelay = true;
        return socket.RemoteEndPoint!;
    }

    private protected override StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer) =>
        new TcpConnection(Reactor, socket, protocol, peer, onLost: null) { Tag = ConnectionTag };

    public override string ToString() => $"TCP port {Host} ({Factory.GetType().Name})";
}
