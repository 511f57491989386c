using System.Net;
using Torsion.Application;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Application;

public sealed class ClientServiceTests
{
    private readonly MemoryReactor _reactor = new();
    private readonly List<double> _delays = [];

    private sealed class Plain : Protocol;

    private ClientService Service() => new(
        new HostnameEndpoint(_reactor, "127.0.0.1", 9000),
        Factory.ForProtocol(() => new Plain()),
        _reactor,
        attempt =>
        {
            var delay = ClientService.BackoffPolicy(random: () => 0.5)(attempt);
            _delays.Add(delay.TotalSeconds);
            return delay;
        });

    private static StringTransport Win(TcpConnectRecord record)
    {
        var transport = new StringTransport();
        var protocol = record.Factory.BuildProtocol(record.Destination)!;
        transport.Connect(protocol);
        return transport;
    }

    private static void Refuse(TcpConnectRecord record) =>
        record.Factory.ClientConnectionFailed(record, new ConnectionRefusedException("refused"));

    [Fact]
    public void Backoff_policy_grows_by_the_factor_up_to_the_maximum_plus_jitter()
    {
        var policy = ClientService.BackoffPolicy(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), () => 0.25);
        Assert.Equal([1.25, 2.25, 4.25, 8.25, 10.25, 10.25], Enumerable.Range(1, 6).Select(n => policy(n).TotalSeconds));
    }

    [Fact]
    public void WhenConnected_waits_for_the_connection()
    {
        var service = Service();
        service.StartService();
        var connected = service.WhenConnected();
        Assert.False(connected.Called);
        Win(_reactor.TcpClients[0]);
        IProtocol? protocol = null;
        connected.AddCallback(p => protocol = p);
        Assert.IsType<Plain>(protocol);
        service.WhenConnected().AddCallback(p => Assert.Same(protocol, p));
    }

    [Fact]
    public void Failures_are_retried_with_growing_delays()
    {
        var service = Service();
        service.StartService();
        Refuse(_reactor.TcpClients[0]);
        Assert.Equal([1.5], _delays);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1.49));
        Assert.Single(_reactor.TcpClients);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(0.01));
        Assert.Equal(2, _reactor.TcpClients.Count);
        Refuse(_reactor.TcpClients[1]);
        Assert.Equal([1.5, 2.0], _delays);
        Assert.Equal(2, service.Failures);
        Assert.IsType<ConnectionRefusedException>(service.LastError);
    }

    [Fact]
    public void Lost_connection_is_reconnected_and_the_backoff_restarts()
    {
        var service = Service();
        service.StartService();
        Refuse(_reactor.TcpClients[0]);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(2));
        var transport = Win(_reactor.TcpClients[1]);
        Assert.Equal(0, service.Failures);
        transport.DeliverConnectionLost(new ConnectionLostException("reset"));
        Assert.False(service.WhenConnected().Called);
        Assert.Equal([1.5, 1.5], _delays);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(3, _reactor.TcpClients.Count);
    }

    [Fact]
    public void StopService_cancels_the_attempt_and_fails_the_waiters()
    {
        var service = Service();
        service.StartService();
        var waiter = service.WhenConnected();
        var stopped = service.StopService();
        Assert.True(stopped.Called);
        Assert.Equal(ConnectorState.Disconnected, _reactor.TcpClients[0].State);
        Assert.IsType<CancelledException>(FailureOf(waiter));
        _reactor.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(_reactor.TcpClients);
        Assert.IsType<CancelledException>(FailureOf(service.WhenConnected()));
    }

    [Fact]
    public void StopService_disconnects_and_fires_once_closed()
    {
        var service = Service();
        service.StartService();
        var transport = Win(_reactor.TcpClients[0]);
        var stopped = service.StopService();
        Assert.True(transport.Disconnecting);
        Assert.False(stopped.Called);
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.True(stopped.Called);
        _reactor.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(_reactor.TcpClients);
    }

    [Fact]
    public void StopService_during_a_retry_wait_stops_retrying()
    {
        var service = Service();
        service.StartService();
        Refuse(_reactor.TcpClients[0]);
        service.StopService();
        _reactor.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(_reactor.TcpClients);
    }

    [Fact]
    public void Server_endpoint_service_listens_on_start_and_stops_on_stop()
    {
        var service = new StreamServerEndpointService(new TcpServerEndpoint(_reactor, 8080, interfaceAddress: "127.0.0.1"), Factory.ForProtocol(() => new Plain()));
        Assert.IsType<InvalidOperationException>(FailureOf(service.WhenListening()));
        service.StartService();
        var record = Assert.Single(_reactor.TcpServers);
        IListeningPort? port = null;
        service.WhenListening().AddCallback(p => port = p);
        Assert.Same(record, port);
        Assert.True(service.StopService().Called);
        Assert.True(record.Stopped);
    }

    private static Exception FailureOf<T>(Deferred<T> d)
    {
        Exception? error = null;
        d.AddErrback(e =>
        {
            error = e;
            return default(T)!;
        });
        return error ?? throw new Xunit.Sdk.XunitException("the Deferred did not fail");
    }
}
