using Torsion.Protocols;
using Torsion.Protocols.Policies;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Policies;

public sealed class TimeoutFactoryTests
{
    private static (TimeoutProtocol, StringTransport, Recorder, Clock) Connect(double seconds = 10)
    {
        var clock = new Clock();
        var inner = new Recorder();
        var factory = new TimeoutFactory(Factory.ForProtocol(() => inner), TimeSpan.FromSeconds(seconds), clock);
        var (protocol, transport) = Policy.Connect(factory);
        return ((TimeoutProtocol)protocol, transport, inner, clock);
    }

    [Fact]
    public void Idle_connection_is_closed_after_the_timeout()
    {
        var (protocol, transport, _, clock) = Connect();
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(transport.Disconnecting);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(transport.Disconnecting);
        Assert.False(transport.Aborted);
        Assert.True(protocol.TimedOut);
    }

    [Fact]
    public void Received_data_resets_the_timer()
    {
        var (protocol, transport, _, clock) = Connect();
        clock.Advance(TimeSpan.FromSeconds(6));
        protocol.DataReceived("x"u8);
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.False(transport.Disconnecting);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void Written_data_resets_the_timer()
    {
        var (_, transport, inner, clock) = Connect();
        clock.Advance(TimeSpan.FromSeconds(6));
        inner.Transport.Write("x"u8);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(transport.Disconnecting);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void A_busy_connection_keeps_one_timer()
    {
        var (protocol, _, _, clock) = Connect();
        for (var i = 0; i < 100; i++)
        {
            protocol.DataReceived("x"u8);
        }

        Assert.Single(clock.PendingCalls);
    }

    [Fact]
    public void Close_that_does_not_finish_is_aborted_one_period_later()
    {
        var (_, transport, _, clock) = Connect();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(transport.Disconnecting);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(transport.Aborted);
    }

    [Fact]
    public void Timer_is_cancelled_when_the_connection_is_lost()
    {
        var (_, transport, inner, clock) = Connect();
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Empty(clock.PendingCalls);
        Assert.Single(inner.Lost);
    }

    [Fact]
    public void Timeout_can_be_changed_or_turned_off()
    {
        var (protocol, transport, _, clock) = Connect();
        protocol.SetTimeout(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(transport.Disconnecting);

        var (other, otherTransport, _, otherClock) = Connect();
        other.SetTimeout(null);
        otherClock.Advance(TimeSpan.FromHours(1));
        Assert.False(otherTransport.Disconnecting);
    }

    [Fact]
    public void Non_positive_timeout_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeoutFactory(Factory.ForProtocol(() => new Recorder()), TimeSpan.Zero, new Clock()));
    }
}
