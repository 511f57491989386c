using System.Net;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Endpoints;

public sealed class HostnameEndpointTests
{
    private readonly MemoryReactor _reactor = new();

    private sealed class Plain : Protocol;

    private static readonly Factory AppFactory = Factory.ForProtocol(() => new Plain());

    private HostnameEndpoint Endpoint(IHostResolver resolver) => new(_reactor, "example.test", 80, resolver);

    private static void Win(TcpConnectRecord record)
    {
        var protocol = record.Factory.BuildProtocol(record.Destination)!;
        protocol.MakeConnection(new StringTransport());
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

    [Fact]
    public void Addresses_are_interleaved_starting_with_the_first_family()
    {
        var ordered = HostnameEndpoint.Interleave(new[] { "::1", "::2", "::3", "10.0.0.1", "10.0.0.2" }.Select(IPAddress.Parse));
        Assert.Equal(["::1", "10.0.0.1", "::2", "10.0.0.2", "::3"], ordered.Select(a => a.ToString()));
        var v4First = HostnameEndpoint.Interleave(new[] { "10.0.0.1", "::1", "10.0.0.2" }.Select(IPAddress.Parse));
        Assert.Equal(["10.0.0.1", "::1", "10.0.0.2"], v4First.Select(a => a.ToString()));
    }

    [Fact]
    public void Attempts_start_250_ms_apart_in_interleaved_order()
    {
        var d = Endpoint(new FakeHostResolver("::1", "::2", "10.0.0.1")).Connect(AppFactory);
        Assert.Equal(["::1"], _reactor.TcpClients.Select(c => c.Host));
        _reactor.Clock.Advance(TimeSpan.FromMilliseconds(249));
        Assert.Single(_reactor.TcpClients);
        _reactor.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["::1", "10.0.0.1"], _reactor.TcpClients.Select(c => c.Host));
        _reactor.Clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(["::1", "10.0.0.1", "::2"], _reactor.TcpClients.Select(c => c.Host));
        Assert.All(_reactor.TcpClients, c => Assert.Equal(80, c.Port));
        Assert.False(d.Called);
    }

    [Fact]
    public void A_failed_attempt_starts_the_next_at_once()
    {
        Endpoint(new FakeHostResolver("::1", "10.0.0.1")).Connect(AppFactory);
        var first = _reactor.TcpClients[0];
        first.Factory.ClientConnectionFailed(first, new ConnectionRefusedException("refused"));
        Assert.Equal(["::1", "10.0.0.1"], _reactor.TcpClients.Select(c => c.Host));
    }

    [Fact]
    public void First_success_wins_and_stops_the_others()
    {
        var d = Endpoint(new FakeHostResolver("::1", "10.0.0.1", "::2")).Connect(AppFactory);
        _reactor.Clock.Advance(TimeSpan.FromMilliseconds(250));
        var (v6, v4) = (_reactor.TcpClients[0], _reactor.TcpClients[1]);
        Win(v4);
        Assert.True(d.Called);
        IProtocol? protocol = null;
        d.AddCallback(p => protocol = p);
        Assert.IsType<Plain>(protocol);
        Assert.Equal(ConnectorState.Disconnected, v6.State);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _reactor.TcpClients.Count);
        Assert.Null(v6.Factory.BuildProtocol(v6.Destination));
    }

    [Fact]
    public void All_failing_names_every_address_tried()
    {
        var d = Endpoint(new FakeHostResolver("::1", "10.0.0.1")).Connect(AppFactory);
        var first = _reactor.TcpClients[0];
        first.Factory.ClientConnectionFailed(first, new ConnectionRefusedException("Connection refused"));
        var second = _reactor.TcpClients[1];
        second.Factory.ClientConnectionFailed(second, new TimeoutException("Timed out"));
        var error = Assert.IsType<ConnectionAttemptsFailedException>(FailureOf(d));
        Assert.Equal("Cannot connect to example.test port 80: every address failed ([::1]:80: Connection refused; 10.0.0.1:80: Timed out).", error.Message);
        Assert.Equal(2, error.Attempts.Count);
    }

    [Fact]
    public void Cancelling_stops_every_attempt_and_the_timer()
    {
        var d = Endpoint(new FakeHostResolver("::1", "10.0.0.1", "::2")).Connect(AppFactory);
        _reactor.Clock.Advance(TimeSpan.FromMilliseconds(250));
        d.Cancel();
        Assert.All(_reactor.TcpClients, c => Assert.Equal(ConnectorState.Disconnected, c.State));
        Assert.Equal("Connecting to example.test port 80 was cancelled.", Assert.IsType<CancelledException>(FailureOf(d)).Message);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _reactor.TcpClients.Count);
    }

    [Fact]
    public void Cancelling_during_the_lookup_cancels_it()
    {
        var resolver = new FakeHostResolver("::1") { Hold = true };
        var d = Endpoint(resolver).Connect(AppFactory);
        d.Cancel();
        Assert.True(resolver.Pending!.Called);
        Assert.IsType<CancelledException>(FailureOf(d));
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Failed_lookup_is_a_DnsLookupException()
    {
        var resolver = new FakeHostResolver { Hold = true };
        var d = Endpoint(resolver).Connect(AppFactory);
        resolver.Pending!.Errback(new InvalidOperationException("SERVFAIL"));
        Assert.Equal("The host name 'example.test' could not be resolved: SERVFAIL", Assert.IsType<DnsLookupException>(FailureOf(d)).Message);
    }

    [Fact]
    public void IP_literal_skips_the_resolver()
    {
        var resolver = new FakeHostResolver("10.9.9.9");
        new HostnameEndpoint(_reactor, "127.0.0.1", 80, resolver).Connect(AppFactory);
        Assert.Empty(resolver.Asked);
        Assert.Equal("127.0.0.1", Assert.Single(_reactor.TcpClients).Host);
    }

    [Fact]
    public void Bind_address_keeps_only_its_family()
    {
        new HostnameEndpoint(_reactor, "example.test", 80, new FakeHostResolver("::1", "10.0.0.1"), bindAddress: new IPEndPoint(IPAddress.Loopback, 0)).Connect(AppFactory);
        _reactor.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("10.0.0.1", Assert.Single(_reactor.TcpClients).Host);
    }
}
