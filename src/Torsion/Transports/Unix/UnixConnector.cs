using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// An outgoing Unix stream connection. A Unix connect on Linux completes or fails at once, so there is no
/// waiting for writability; the rest (states, <see cref="ClientFactory"/> notifications, connecting again) is
/// <see cref="StreamConnector"/>'s.
/// </summary>
internal sealed class UnixConnector : StreamConnector
{
    private readonly string _path;
    private readonly UnixDomainSocketEndPoint _endPoint;

    internal UnixConnector(ReactorBase reactor, string path, ClientFactory factory, TimeSpan timeout)
        : base(reactor, factory)
    {
        _path = path;
        _endPoint = UnixSocketFile.EndPointFor(path);
        Timeout = timeout;
    }

    /// <summary>The connect timeout given; unused on Linux, where a Unix connect never waits.</summary>
    public TimeSpan Timeout { get; }

    public override EndPoint Destination => _endPoint;

    private protected override string Target => ToString();

    private protected override void BeginConnecting(int attempt)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Blocking = false;
            socket.Connect(_endPoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var where = UnixSocketFile.Printable(_path);
            Fail(e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused (nothing listens there).", e),
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused: {e.Message}.", e),
                SocketError.WouldBlock => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused: its listen queue is full.", e),
                _ => new ConnectionRefusedException($"Connecting to the Unix socket '{where}' failed: {e.Message} ({e.SocketErrorCode}).", e),
            });
            return;
        }

        Connected(socket);
    }

    private protected override EndPoint PeerOf(Socket socket) => _endPoint;

    private protected override StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer) =>
        new UnixConnection(Reactor, socket, protocol, peer, UnnamedUnixEndPoint.Instance, ConnectionLost);

    public override string ToString() => $"Unix connector to '{UnixSocketFile.Printable(_path)}' ({Factory.GetType().Name})";
}
