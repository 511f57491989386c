using Torsion.Protocols;
using Torsion.Protocols.Policies;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Policies;

public sealed class ThrottlingFactoryTests
{
    private static ThrottlingFactory Make(Clock clock) => new(Factory.ForProtocol(() => new Recorder()), clock);

    [Fact]
    public void Total_read_limit_pauses_every_connection_for_the_overrun()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ReadLimit = 100;
        var (a, ta) = Policy.Connect(factory);
        var (_, tb) = Policy.Connect(factory);
        a.DataReceived(new byte[300]);
        Assert.Equal(300, factory.ReadThisSecond);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(factory.ReadsThrottled);
        Assert.Equal(ProducerState.Paused, ta.ProducerState);
        Assert.Equal(ProducerState.Paused, tb.ProducerState);
        // 300 bytes against 100/s: 2 more seconds paused.
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(ProducerState.Paused, ta.ProducerState);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(ProducerState.Producing, ta.ProducerState);
        Assert.Equal(ProducerState.Producing, tb.ProducerState);
    }

    [Fact]
    public void Reading_within_the_limit_is_not_paused()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ReadLimit = 100;
        var (a, ta) = Policy.Connect(factory);
        a.DataReceived(new byte[100]);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ProducerState.Producing, ta.ProducerState);
        Assert.Equal(0, factory.ReadThisSecond);
    }

    [Fact]
    public void Per_connection_read_limit_pauses_only_that_connection()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ConnectionReadLimit = 50;
        var (a, ta) = Policy.Connect(factory);
        var (b, tb) = Policy.Connect(factory);
        a.DataReceived(new byte[100]);
        b.DataReceived(new byte[50]);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ProducerState.Paused, ta.ProducerState);
        Assert.Equal(ProducerState.Producing, tb.ProducerState);
        Assert.True(((ThrottlingProtocol)a).ReadsThrottled);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ProducerState.Producing, ta.ProducerState);
    }

    [Fact]
    public void Throttle_does_not_resume_reading_the_protocol_paused_itself()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ConnectionReadLimit = 10;
        var (a, ta) = Policy.Connect(factory);
        var inner = (Recorder)((ThrottlingProtocol)a).WrappedProtocol;
        a.DataReceived(new byte[20]);
        clock.Advance(TimeSpan.FromSeconds(1));
        inner.Transport.PauseProducing();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(ProducerState.Paused, ta.ProducerState);
        inner.Transport.ResumeProducing();
        Assert.Equal(ProducerState.Producing, ta.ProducerState);
    }

    [Fact]
    public void Write_limit_pauses_the_push_producer_and_resumes_it_after_the_overrun()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.WriteLimit = 100;
        var (a, ta) = Policy.Connect(factory);
        var inner = (Recorder)((ThrottlingProtocol)a).WrappedProtocol;
        var producer = new TestProducer();
        inner.Transport.RegisterProducer(producer, streaming: true);
        inner.Transport.Write(new byte[200]);
        Assert.Equal(200, ta.Value().Length);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["pause"], producer.Calls);
        Assert.True(factory.WritesThrottled);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["pause", "resume"], producer.Calls);
    }

    [Fact]
    public void Transport_pause_and_throttle_are_merged_for_the_producer()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ConnectionWriteLimit = 10;
        var (a, ta) = Policy.Connect(factory);
        var inner = (Recorder)((ThrottlingProtocol)a).WrappedProtocol;
        var producer = new TestProducer();
        inner.Transport.RegisterProducer(producer, streaming: true);
        ta.PauseRegisteredProducer();
        Assert.Equal(["pause"], producer.Calls);
        inner.Transport.Write(new byte[20]);
        clock.Advance(TimeSpan.FromSeconds(1));
        ta.ResumeRegisteredProducer();
        Assert.Equal(["pause"], producer.Calls);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["pause", "resume"], producer.Calls);
    }

    [Fact]
    public void Pull_requests_wait_while_writes_are_throttled()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ConnectionWriteLimit = 10;
        var (a, ta) = Policy.Connect(factory);
        var inner = (Recorder)((ThrottlingProtocol)a).WrappedProtocol;
        var producer = new TestProducer();
        inner.Transport.RegisterProducer(producer, streaming: false);
        ta.ResumeRegisteredProducer();
        Assert.Equal(["resume"], producer.Calls);
        inner.Transport.Write(new byte[30]);
        clock.Advance(TimeSpan.FromSeconds(1));
        ta.ResumeRegisteredProducer();
        Assert.Equal(["resume"], producer.Calls);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["resume", "resume"], producer.Calls);
    }

    [Fact]
    public void Connections_over_the_count_are_refused()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.MaxConnectionCount = 1;
        var (_, t) = Policy.Connect(factory);
        Assert.Null(factory.BuildProtocol(Policy.Peer("10.1.1.1")));
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal(0, factory.ConnectionCount);
        Assert.NotNull(factory.BuildProtocol(Policy.Peer("10.1.1.1")));
    }

    [Fact]
    public void No_timers_remain_when_the_last_connection_is_lost()
    {
        var clock = new Clock();
        var factory = Make(clock);
        factory.ReadLimit = 1;
        var (a, t) = Policy.Connect(factory);
        a.DataReceived(new byte[10]);
        clock.Advance(TimeSpan.FromSeconds(1));
        t.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Empty(clock.PendingCalls);
    }
}
