using Torsion.Testing;

namespace Torsion.Testing.Tests;

public sealed class ClockTests
{
    [Fact]
    public void Calls_run_when_time_reaches_them_in_time_order()
    {
        var clock = new Clock();
        var order = new List<string>();
        clock.CallLater(TimeSpan.FromSeconds(2), () => order.Add("b"));
        clock.CallLater(TimeSpan.FromSeconds(1), () => order.Add("a"));
        clock.CallLater(TimeSpan.FromSeconds(2), () => order.Add("c"));

        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Empty(order);
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["a", "b", "c"], order);
        Assert.Equal(2.0, clock.Seconds());
    }

    [Fact]
    public void Cancelled_call_does_not_run_and_cannot_be_cancelled_twice()
    {
        var clock = new Clock();
        var ran = false;
        var call = clock.CallLater(TimeSpan.FromSeconds(1), () => ran = true);
        call.Cancel();
        Assert.False(call.Active);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(ran);
        var error = Assert.Throws<InvalidOperationException>(call.Cancel);
        Assert.Contains("cancelled", error.Message);
    }

    [Fact]
    public void Reset_and_delay_move_the_call()
    {
        var clock = new Clock();
        var ran = 0;
        var call = clock.CallLater(TimeSpan.FromSeconds(1), () => ran++);
        clock.Advance(TimeSpan.FromSeconds(0.5));
        call.Reset(TimeSpan.FromSeconds(1));
        Assert.Equal(1.5, call.Time);
        call.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2.5, call.Time);
        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, ran);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, ran);
        Assert.False(call.Active);
        Assert.Throws<InvalidOperationException>(() => call.Reset(TimeSpan.Zero));
    }

    [Fact]
    public void A_call_scheduled_by_a_due_call_runs_in_the_same_advance_when_due()
    {
        var clock = new Clock();
        var order = new List<int>();
        clock.CallLater(TimeSpan.FromSeconds(1), () =>
        {
            order.Add(1);
            clock.CallLater(TimeSpan.Zero, () => order.Add(2));
        });
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1, 2], order);
    }

    [Fact]
    public void Pump_advances_step_by_step()
    {
        var clock = new Clock();
        var seen = new List<double>();
        clock.CallLater(TimeSpan.FromSeconds(1), () => seen.Add(clock.Seconds()));
        clock.CallLater(TimeSpan.FromSeconds(3), () => seen.Add(clock.Seconds()));
        clock.Pump(2, 2);
        Assert.Equal([2.0, 4.0], seen);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void Negative_delay_is_refused()
    {
        var clock = new Clock();
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.CallLater(TimeSpan.FromSeconds(-1), () => { }));
    }
}
