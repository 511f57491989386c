using Torsion.Protocols;
using Torsion.Transports.Udp;
using Torsion.Transports.Unix;

namespace Torsion.Reactor;

/// <summary>UDP, multicast and Unix sockets: each call checks the thread and constructs the transport.</summary>
public abstract partial class ReactorBase
{
    /// <inheritdoc />
    public IUdpTransport ListenUdp(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192)
    {
        CheckThread(nameof(ListenUdp));
        return UdpPort.Listen(this, port, protocol, interfaceAddress, maxPacketSize, multicast: false, listenMultiple: false);
    }

    /// <inheritdoc />
    public IMulticastTransport ListenMulticast(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192, bool listenMultiple = false)
    {
        CheckThread(nameof(ListenMulticast));
        return UdpPort.Listen(this, port, protocol, interfaceAddress, maxPacketSize, multicast: true, listenMultiple);
    }

    /// <inheritdoc />
    public IListeningPort ListenUnix(string path, IProtocolFactory factory, int backlog = 50, int mode = 438, bool wantPid = false)
    {
        CheckThread(nameof(ListenUnix));
        return UnixPort.Listen(this, path, factory, backlog, mode, wantPid);
    }

    /// <inheritdoc />
    public IConnector ConnectUnix(string path, ClientFactory factory, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        CheckThread(nameof(ConnectUnix));
        var connector = new UnixConnector(this, path, factory, timeout ?? TimeSpan.FromSeconds(30));
        connector.Connect();
        return connector;
    }

    /// <inheritdoc />
    public IUnixDatagramTransport ListenUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckThread(nameof(ListenUnixDatagram));
        return UnixDatagramPort.Bind(this, path, protocol, maxPacketSize, mode);
    }

    /// <inheritdoc />
    public IUnixDatagramTransport ConnectUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438, string? bindPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckThread(nameof(ConnectUnixDatagram));
        var port = UnixDatagramPort.Bind(this, bindPath, protocol, maxPacketSize, mode);
        try
        {
            port.Connect(path);
        }
        catch
        {
            port.StopListening();
            throw;
        }

        return port;
    }
}
