using Torsion.Reactor;
using Torsion.Testing;
using Torsion.Tests.Transports;
using Torsion.Transports;

namespace Torsion.Tests.Protocols;

public sealed class ReconnectingClientFactoryTests
{
    [Fact]
    public void Retries_back_off_exponentially_up_to_the_max_delay()
    {
        var reactor = new MemoryReactor();
        var factory = new Torsion.Protocols.ReconnectingClientFactory(reactor.Clock, _ => new Recorder()) { Jitter = 0, MaxDelay = 30 };
        var connector = (TcpConnectRecord)reactor.ConnectTcp("127.0.0.1", 9, factory);
        var delays = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            connector.State = ConnectorState.Disconnected;
            factory.ClientConnectionFailed(connector, new ConnectionRefusedException());
            var call = Assert.Single(reactor.Clock.PendingCalls);
            delays.Add(call.Time - reactor.Clock.Now);
            reactor.Clock.Advance(TimeSpan.FromSeconds(call.Time - reactor.Clock.Now));
        }

        Assert.Equal(6, connector.Reconnects);
        Assert.Equal(Math.E, delays[0], 6);
        Assert.Equal(Math.E * Math.E, delays[1], 6);
        Assert.Equal([30.0, 30.0, 30.0], delays.Skip(3).Select(d => Math.Round(d, 6)));
    }

    [Fact]
    public void Jitter_spreads_the_delay_around_the_exponential_value()
    {
        var reactor = new MemoryReactor();
        var factory = new Torsion.Protocols.ReconnectingClientFactory(reactor.Clock, _ => new Recorder()) { Random = new Random(1) };
        var connector = reactor.ConnectTcp("127.0.0.1", 9, factory);
        factory.ClientConnectionFailed(connector, new ConnectionRefusedException());
        var delay = Assert.Single(reactor.Clock.PendingCalls).Time;
        Assert.NotEqual(Math.E, delay, 6);
        Assert.InRange(delay, Math.E * 0.5, Math.E * 1.5);
    }

    [Fact]
    public void StopTrying_cancels_the_pending_retry_and_a_connection_resets_the_delay()
    {
        var reactor = new MemoryReactor();
        var factory = new Torsion.Protocols.ReconnectingClientFactory(reactor.Clock, _ => new Recorder()) { Jitter = 0 };
        var connector = (TcpConnectRecord)reactor.ConnectTcp("127.0.0.1", 9, factory);
        factory.ClientConnectionFailed(connector, new ConnectionRefusedException());
        reactor.Clock.Advance(TimeSpan.FromSeconds(10));
        factory.ClientConnectionFailed(connector, new ConnectionRefusedException());
        reactor.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, factory.Retries);
        factory.BuildProtocol(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
        Assert.Equal(0, factory.Retries);
        Assert.Equal(1.0, factory.Delay);
        factory.ClientConnectionLost(connector, new ConnectionLostException());
        Assert.Contains(reactor.Clock.PendingCalls, c => c.Active);
        factory.StopTrying();
        Assert.DoesNotContain(reactor.Clock.PendingCalls, c => c.Active);
        factory.ClientConnectionLost(connector, new ConnectionLostException());
        reactor.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, connector.Reconnects);
    }

    [Fact]
    public void MemoryReactor_records_listens_and_connects()
    {
        var reactor = new MemoryReactor();
        var port = reactor.ListenTcp(8080, Torsion.Protocols.Factory.ForProtocol(() => new Recorder()), 10, "127.0.0.1");
        reactor.ConnectTcp("::1", 25, Torsion.Protocols.ClientFactory.ForProtocol(() => new Recorder()));
        Assert.Equal(8080, Assert.Single(reactor.TcpServers).Port);
        Assert.Equal("::1", Assert.Single(reactor.TcpClients).Host);
        port.StopListening();
        Assert.True(reactor.TcpServers[0].Stopped);
    }
}
