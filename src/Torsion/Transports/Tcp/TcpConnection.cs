using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Tcp;

/// <summary>
/// One TCP connection on a reactor: the stream machinery of <see cref="StreamConnection"/> (shared buffer reads,
/// batched writes, flow control, half-close) plus TCP's socket options.
/// </summary>
internal sealed class TcpConnection : StreamConnection, ITcpTransport
{
    internal TcpConnection(ReactorBase reactor, Socket socket, IProtocol protocol, EndPoint peer, Action<Exception>? onLost)
        : base(reactor, socket, protocol, peer, socket.LocalEndPoint!, onLost)
    {
        Tag = ClientTag;
    }

    /// <summary>The <c>torsion.port</c> tag of connections made by <see cref="TcpConnector"/> (all client connections share it).</summary>
    internal static readonly Torsion.Diagnostics.PortTag ClientTag = new("tcp:client");

    public bool NoDelay
    {
        get => Socket.NoDelay;
        set => Socket.NoDelay = value;
    }

    public bool KeepAlive
    {
        get => (int)Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0;
        set => Socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, value);
    }

    private protected override string Kind => "TCP";
}
