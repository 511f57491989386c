using System.Net;
using Torsion.Protocols;
using Torsion.Protocols.Policies;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Policies;

public sealed class LimitConnectionsFactoryTests
{
    private static LimitConnectionsFactory Make() => new(Factory.ForProtocol(() => new Recorder()));

    [Fact]
    public void Connections_over_the_total_are_refused_until_one_closes()
    {
        var factory = Make();
        factory.MaxConnections = 2;
        var (_, first) = Policy.Connect(factory, Policy.Peer("10.0.0.1"));
        Policy.Connect(factory, Policy.Peer("10.0.0.2"));
        Assert.Null(factory.BuildProtocol(Policy.Peer("10.0.0.3")));
        Assert.Equal(2, factory.ConnectionCount);
        first.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal(1, factory.ConnectionCount);
        Assert.NotNull(factory.BuildProtocol(Policy.Peer("10.0.0.3")));
    }

    [Fact]
    public void Connections_over_the_per_peer_limit_are_refused_for_that_address_only()
    {
        var factory = Make();
        factory.MaxConnectionsPerPeer = 2;
        Policy.Connect(factory, Policy.Peer("10.0.0.1", 1));
        var (_, second) = Policy.Connect(factory, Policy.Peer("10.0.0.1", 2));
        Assert.Null(factory.BuildProtocol(Policy.Peer("10.0.0.1", 3)));
        Assert.NotNull(factory.BuildProtocol(Policy.Peer("10.0.0.2", 3)));
        Assert.Equal(2, factory.ConnectionsFrom(Policy.Peer("10.0.0.1", 9)));
        second.DeliverConnectionLost(new ConnectionLostException());
        Assert.Equal(1, factory.ConnectionsFrom(Policy.Peer("10.0.0.1")));
        Assert.NotNull(factory.BuildProtocol(Policy.Peer("10.0.0.1", 4)));
    }

    [Fact]
    public void Ipv4_mapped_ipv6_peers_count_as_the_ipv4_address()
    {
        var factory = Make();
        factory.MaxConnectionsPerPeer = 1;
        Policy.Connect(factory, Policy.Peer("10.0.0.1"));
        Assert.Null(factory.BuildProtocol(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 5)));
    }

    [Fact]
    public void Overflow_protocol_takes_extra_connections_and_is_not_counted()
    {
        var factory = Make();
        factory.MaxConnections = 1;
        factory.OverflowProtocol = _ => new Busy();
        Policy.Connect(factory);
        var (_, transport) = Policy.Connect(factory, Policy.Peer("10.0.0.9"));
        Assert.Equal("busy\r\n", transport.ValueString());
        Assert.True(transport.Disconnecting);
        Assert.Equal(1, factory.ConnectionCount);
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal(1, factory.ConnectionCount);
    }

    [Fact]
    public void Per_peer_limit_of_zero_refuses_everyone()
    {
        var factory = Make();
        factory.MaxConnectionsPerPeer = 0;
        Assert.Null(factory.BuildProtocol(Policy.Peer("127.0.0.1")));
    }

    private sealed class Busy : Protocol
    {
        public override void ConnectionMade()
        {
            Transport.Write("busy\r\n"u8);
            Transport.LoseConnection();
        }
    }

    [Fact]
    public void Negative_limits_are_refused()
    {
        var factory = Make();
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.MaxConnections = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.MaxConnectionsPerPeer = -1);
    }
}
