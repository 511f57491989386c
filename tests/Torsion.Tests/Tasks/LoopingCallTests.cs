using Torsion.Defer;
using Torsion.Tasks;
using Torsion.Testing;

namespace Torsion.Tests.Tasks;

public sealed class LoopingCallTests
{
    [Fact]
    public void Start_calls_at_once_then_every_interval()
    {
        var clock = new Clock();
        var times = new List<double>();
        var loop = new LoopingCall(clock, () => times.Add(clock.Now));

        loop.Start(TimeSpan.FromSeconds(1));
        clock.Pump(0.5, 0.5, 1, 1);

        Assert.Equal([0, 1, 2, 3], times);
        Assert.True(loop.Running);
        Assert.Equal(TimeSpan.FromSeconds(1), loop.Interval);
    }

    [Fact]
    public void Start_with_now_false_waits_one_interval()
    {
        var clock = new Clock();
        var times = new List<double>();
        var loop = new LoopingCall(clock, () => times.Add(clock.Now));

        loop.Start(TimeSpan.FromSeconds(2), now: false);
        Assert.Empty(times);
        clock.Pump(1, 1, 2);

        Assert.Equal([2, 4], times);
    }

    [Fact]
    public void Stop_fires_the_deferred_with_the_loop_and_cancels_the_next_call()
    {
        var clock = new Clock();
        var calls = 0;
        var loop = new LoopingCall(clock, () => calls++);
        var done = loop.Start(TimeSpan.FromSeconds(1));
        LoopingCall? firedWith = null;
        done.AddCallback(l => firedWith = l);

        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Stop();

        Assert.Same(loop, firedWith);
        Assert.False(loop.Running);
        Assert.Null(loop.Deferred);
        Assert.Empty(clock.PendingCalls);
        clock.Pump(5);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Stop_from_inside_the_function_fires_the_deferred()
    {
        var clock = new Clock();
        LoopingCall? loop = null;
        var calls = 0;
        loop = new LoopingCall(clock, () =>
        {
            if (++calls == 3)
            {
                loop!.Stop();
            }
        });

        var done = loop.Start(TimeSpan.FromSeconds(1));
        clock.Pump(1, 1, 1, 1);

        Assert.Equal(3, calls);
        Assert.True(done.Called);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void A_throwing_function_stops_the_loop_and_fails_its_deferred()
    {
        var clock = new Clock();
        var calls = 0;
        var loop = new LoopingCall(clock, () =>
        {
            if (++calls == 2)
            {
                throw new InvalidDataException("bad tick");
            }
        });

        var done = loop.Start(TimeSpan.FromSeconds(1));
        clock.Pump(1, 1, 1);

        Assert.False(loop.Running);
        Assert.Equal(2, calls);
        Assert.Empty(clock.PendingCalls);
        var error = Assert.Throws<InvalidDataException>(() => Fired.Value(done));
        Assert.Equal("bad tick", error.Message);
    }

    [Fact]
    public void A_failed_deferred_from_the_function_stops_the_loop_and_fails_its_deferred()
    {
        var clock = new Clock();
        var loop = new LoopingCall(clock, () => Deferred.Fail<Unit>(new TimeoutException("slow")));

        var done = loop.Start(TimeSpan.FromSeconds(1));

        Assert.False(loop.Running);
        Assert.Throws<TimeoutException>(() => Fired.Value(done));
    }

    [Fact]
    public void A_function_returning_a_pending_deferred_delays_the_next_call_to_the_next_beat()
    {
        var clock = new Clock();
        var times = new List<double>();
        Deferred<Unit>? pending = null;
        var loop = new LoopingCall(clock, () =>
        {
            times.Add(clock.Now);
            pending = new Deferred<Unit>();
            return pending;
        });

        loop.Start(TimeSpan.FromSeconds(2));
        clock.Pump(2, 2, 1);              // t = 5: the first call is still busy
        Assert.Equal([0], times);
        pending!.Callback(Unit.Value);      // done at 5: the next beat of start + k * 2 is 6
        clock.Pump(0.5, 0.5);
        Assert.Equal([0, 6], times);
    }

    [Fact]
    public void Stop_while_a_call_is_pending_fires_the_deferred_when_that_call_finishes()
    {
        var clock = new Clock();
        var pending = new Deferred<Unit>();
        var loop = new LoopingCall(clock, () => pending);

        var done = loop.Start(TimeSpan.FromSeconds(1));
        loop.Stop();
        Assert.False(done.Called);

        pending.Callback(Unit.Value);
        Assert.True(done.Called);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void A_late_call_keeps_the_rhythm_of_the_start_time()
    {
        var clock = new Clock();
        var times = new List<double>();
        var loop = new LoopingCall(clock, () => times.Add(clock.Now));

        loop.Start(TimeSpan.FromSeconds(1));
        clock.Pump(1.5);                  // the call due at 1 runs at 1.5; the next is due at 2, not 2.5
        clock.Pump(0.5);

        Assert.Equal([0, 1.5, 2], times);
    }

    [Fact]
    public void WithCount_reports_one_interval_per_call_on_time()
    {
        var clock = new Clock();
        var counts = new List<int>();
        var loop = LoopingCall.WithCount(clock, counts.Add);

        loop.Start(TimeSpan.FromSeconds(1));
        clock.Pump(1, 1, 1);

        Assert.Equal([1, 1, 1, 1], counts);
    }

    [Fact]
    public void WithCount_reports_skipped_intervals_when_the_clock_jumps()
    {
        var clock = new Clock();
        var counts = new List<int>();
        var loop = LoopingCall.WithCount(clock, counts.Add);

        loop.Start(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(4.5));   // t = 5.5: beats 2, 3, 4 and 5 passed, one call
        clock.Advance(TimeSpan.FromSeconds(0.5));   // t = 6: back on the rhythm

        Assert.Equal([1, 1, 4, 1], counts);
    }

    [Fact]
    public void WithCount_without_a_call_at_start_counts_from_the_start()
    {
        var clock = new Clock();
        var counts = new List<int>();
        var loop = LoopingCall.WithCount(clock, counts.Add);

        loop.Start(TimeSpan.FromSeconds(1), now: false);
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal([3], counts);
    }

    [Fact]
    public void WithCount_counts_the_intervals_a_slow_call_made_it_miss()
    {
        var clock = new Clock();
        var counts = new List<int>();
        Deferred<Unit>? pending = null;
        var loop = LoopingCall.WithCount(clock, count =>
        {
            counts.Add(count);
            pending = new Deferred<Unit>();
            return pending;
        });

        loop.Start(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(2.5));
        pending!.Callback(Unit.Value);              // finished at 2.5: next beat 3, intervals 1, 2 and 3 passed
        clock.Advance(TimeSpan.FromSeconds(0.5));

        Assert.Equal([1, 3], counts);
    }

    [Fact]
    public void Reset_restarts_the_rhythm_from_now()
    {
        var clock = new Clock();
        var times = new List<double>();
        var loop = new LoopingCall(clock, () => times.Add(clock.Now));

        loop.Start(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(1));
        loop.Reset();
        clock.Pump(1, 1, 2);

        Assert.Equal([0, 3, 5], times);
    }

    [Fact]
    public void Starting_a_running_loop_throws()
    {
        var clock = new Clock();
        var loop = new LoopingCall(clock, () => { });
        loop.Start(TimeSpan.FromSeconds(1));

        var error = Assert.Throws<InvalidOperationException>(() => loop.Start(TimeSpan.FromSeconds(1)));
        Assert.Equal("This LoopingCall is already running; stop it before starting it again.", error.Message);
    }

    [Fact]
    public void Stopping_a_loop_that_is_not_running_throws()
    {
        var loop = new LoopingCall(new Clock(), () => { });

        var error = Assert.Throws<InvalidOperationException>(loop.Stop);
        Assert.Equal("This LoopingCall is not running, so it cannot be stopped.", error.Message);
    }

    [Fact]
    public void A_negative_interval_is_refused()
    {
        var loop = new LoopingCall(new Clock(), () => { });

        Assert.Throws<ArgumentOutOfRangeException>(() => loop.Start(TimeSpan.FromSeconds(-1)));
        Assert.False(loop.Running);
    }

    [Fact]
    public void A_loop_can_be_started_again_after_it_stopped()
    {
        var clock = new Clock();
        var times = new List<double>();
        var loop = new LoopingCall(clock, () => times.Add(clock.Now));

        loop.Start(TimeSpan.FromSeconds(1));
        loop.Stop();
        clock.Advance(TimeSpan.FromSeconds(10));
        loop.Start(TimeSpan.FromSeconds(5), now: false);
        clock.Pump(5);

        Assert.Equal([0, 15], times);
    }

    [Fact]
    public void Fractional_intervals_do_not_drift_or_double_fire()
    {
        var clock = new Clock();
        var calls = 0;
        var loop = new LoopingCall(clock, () => calls++);

        loop.Start(TimeSpan.FromSeconds(0.1));
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(0.1));
        }

        Assert.Equal(101, calls);
    }
}
