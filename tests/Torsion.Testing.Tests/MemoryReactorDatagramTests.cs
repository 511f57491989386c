using System.Net;
using Torsion.Protocols;
using Torsion.Testing;

namespace Torsion.Testing.Tests;

public sealed class MemoryReactorDatagramTests
{
    private sealed class Started : DatagramProtocol
    {
        public int Starts { get; private set; }

        public int Stops { get; private set; }

        public override void StartProtocol() => Starts++;

        public override void StopProtocol() => Stops++;
    }

    [Fact]
    public void ListenUdp_is_recorded_and_the_protocol_writes_into_the_record()
    {
        var reactor = new MemoryReactor();
        var protocol = new Started();
        var port = reactor.ListenUdp(0, protocol, "127.0.0.1", 512);
        protocol.Transport.Write("hi"u8, new IPEndPoint(IPAddress.Loopback, 53));
        var record = Assert.Single(reactor.UdpPorts);
        Assert.Same(port, record);
        Assert.Equal((0, "127.0.0.1", 512, false), (record.Port, record.InterfaceAddress, record.MaxPacketSize, record.Multicast));
        Assert.Equal("hi"u8.ToArray(), Assert.Single(record.Writes).Data);
        Assert.Equal(1, protocol.Starts);
        port.StopListening();
        Assert.Equal(1, protocol.Stops);
    }

    [Fact]
    public void ListenMulticast_records_groups_and_options()
    {
        var reactor = new MemoryReactor();
        var port = reactor.ListenMulticast(5353, new Started(), listenMultiple: true);
        port.JoinGroup(IPAddress.Parse("224.0.0.251"));
        port.SetTtl(4);
        var record = Assert.Single(reactor.UdpPorts);
        Assert.True(record.Multicast && record.ListenMultiple);
        Assert.Equal(IPAddress.Parse("224.0.0.251"), Assert.Single(record.Groups).Group);
        Assert.Equal(4, record.Ttl);
    }

    [Fact]
    public void Unix_listens_and_connects_are_recorded()
    {
        var reactor = new MemoryReactor();
        var factory = new ClientFactory(_ => null);
        reactor.ListenUnix("/run/x.sock", Factory.ForProtocol(() => new Started2()), mode: 432, wantPid: true);
        reactor.ConnectUnix("/run/y.sock", factory);
        reactor.ConnectUnixDatagram("/run/z.sock", new Started(), bindPath: "/run/me.sock");
        var server = Assert.Single(reactor.UnixServers);
        Assert.Equal(("/run/x.sock", 432, true), (server.Path, server.Mode, server.WantPid));
        Assert.Equal("/run/y.sock", Assert.Single(reactor.UnixClients).Path);
        var datagram = Assert.Single(reactor.UnixDatagramPorts);
        Assert.Equal("/run/me.sock", datagram.Path);
        Assert.Equal("/run/z.sock", datagram.ConnectedAddress!.ToString());
    }

    private sealed class Started2 : Protocol
    {
    }
}
