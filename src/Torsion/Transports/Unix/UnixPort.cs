using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// A listening Unix stream socket on a reactor: the accept loop of <see cref="StreamPort"/> (pausing when out of
/// descriptors); owns its socket file and removes it on stop.
/// </summary>
internal sealed class UnixPort : StreamPort
{
    private readonly UnixSocketFile _file;

    private UnixPort(ReactorBase reactor, Socket socket, IProtocolFactory factory, UnixSocketFile file)
        : base(reactor, socket, factory, file.EndPoint, new Torsion.Diagnostics.PortTag($"unix:{file.EndPoint}"))
    {
        _file = file;
    }

    internal static UnixPort Listen(ReactorBase reactor, string path, IProtocolFactory factory, int backlog, int mode, bool wantPid)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(mode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mode, 0xFFF);
        var file = UnixSocketFile.Prepare(path, SocketType.Stream, wantPid);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Blocking = false;
            socket.Bind(file.EndPoint);
            file.ApplyMode(mode);
            socket.Listen(backlog);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            file.Remove();
            var reason = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                ? $"the address is already in use ('{UnixSocketFile.Printable(path)}')"
                : e.Message;
            throw new CannotListenException(file.EndPoint, reason, e);
        }

        var port = new UnixPort(reactor, socket, factory, file);
        port.Start();
        return port;
    }

    /// <summary>The peer's bound address from accept; unnamed when it did not bind (the usual client) or not known.</summary>
    private protected override EndPoint PeerOf(Socket socket, ReadOnlySpan<byte> address) => UnixSocketFile.Decode(address);

    private protected override StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer) =>
        new UnixConnection(Reactor, socket, protocol, peer, Host, onLost: null) { Tag = ConnectionTag };

    private protected override void OnSocketClosed() => _file.Remove();

    public override string ToString() => $"Unix port {UnixSocketFile.Printable(_file.Path)} ({Factory.GetType().Name})";
}
