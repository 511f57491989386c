using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports.Udp;
using Torsion.Transports.Unix;

namespace Torsion.Testing;

/// <summary>UDP, multicast and Unix sockets, recorded.</summary>
public sealed partial class MemoryReactor
{
    /// <summary>Every <see cref="ListenUdp"/> and <see cref="ListenMulticast"/> call, in order.</summary>
    public List<UdpListenRecord> UdpPorts { get; } = [];

    /// <summary>Every <see cref="ListenUnix"/> call, in order.</summary>
    public List<UnixListenRecord> UnixServers { get; } = [];

    /// <summary>Every <see cref="ConnectUnix"/> call, in order.</summary>
    public List<UnixConnectRecord> UnixClients { get; } = [];

    /// <summary>Every <see cref="ListenUnixDatagram"/> and <see cref="ConnectUnixDatagram"/> call, in order.</summary>
    public List<UnixDatagramRecord> UnixDatagramPorts { get; } = [];

    /// <summary>Records the listen and attaches the protocol to the returned record (its StartProtocol runs).</summary>
    public IUdpTransport ListenUdp(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192) =>
        RecordUdp(port, protocol, interfaceAddress, maxPacketSize, multicast: false, listenMultiple: false);

    /// <summary>Records the listen and attaches the protocol to the returned record (its StartProtocol runs).</summary>
    public IMulticastTransport ListenMulticast(int port, DatagramProtocol protocol, string? interfaceAddress = null, int maxPacketSize = 8192, bool listenMultiple = false) =>
        RecordUdp(port, protocol, interfaceAddress, maxPacketSize, multicast: true, listenMultiple);

    private UdpListenRecord RecordUdp(int port, DatagramProtocol protocol, string? interfaceAddress, int maxPacketSize, bool multicast, bool listenMultiple)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var address = string.IsNullOrEmpty(interfaceAddress) ? IPAddress.Any : IPAddress.Parse(interfaceAddress);
        var host = new IPEndPoint(address, port == 0 ? 50000 + UdpPorts.Count : port);
        var record = new UdpListenRecord(port, protocol, interfaceAddress, maxPacketSize, multicast, listenMultiple, host);
        UdpPorts.Add(record);
        protocol.MakeConnection(record);
        return record;
    }

    /// <summary>Records the listen and returns a port whose Host is the path.</summary>
    public IListeningPort ListenUnix(string path, IProtocolFactory factory, int backlog = 50, int mode = 438, bool wantPid = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(factory);
        var record = new UnixListenRecord(path, factory, backlog, mode, wantPid);
        UnixServers.Add(record);
        return record;
    }

    /// <summary>Records the connect and returns a connector that stays connecting until the test acts.</summary>
    public IConnector ConnectUnix(string path, ClientFactory factory, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(factory);
        var record = new UnixConnectRecord(path, factory, timeout ?? TimeSpan.FromSeconds(30));
        UnixClients.Add(record);
        factory.StartedConnecting(record);
        return record;
    }

    /// <summary>Records the bind and attaches the protocol to the returned record (its StartProtocol runs).</summary>
    public IUnixDatagramTransport ListenUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438)
    {
        ArgumentNullException.ThrowIfNull(path);
        return RecordUnixDatagram(path, protocol, maxPacketSize, mode, connectedPath: null);
    }

    /// <summary>Records the connect and attaches the protocol to the returned, connected record.</summary>
    public IUnixDatagramTransport ConnectUnixDatagram(string path, DatagramProtocol protocol, int maxPacketSize = 8192, int mode = 438, string? bindPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return RecordUnixDatagram(bindPath, protocol, maxPacketSize, mode, connectedPath: path);
    }

    private UnixDatagramRecord RecordUnixDatagram(string? path, DatagramProtocol protocol, int maxPacketSize, int mode, string? connectedPath)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var record = new UnixDatagramRecord(path, protocol, maxPacketSize, mode, connectedPath);
        UnixDatagramPorts.Add(record);
        protocol.MakeConnection(record);
        return record;
    }
}
