using Torsion.Application;
using Torsion.Defer;
using Torsion.Testing;

namespace Torsion.Tests.Application;

public sealed class TimerServiceTests
{
    [Fact]
    public void Calls_at_start_then_every_interval_while_running()
    {
        var clock = new Clock();
        var times = new List<double>();
        var timer = new TimerService(TimeSpan.FromSeconds(5), () => times.Add(clock.Now), clock);

        timer.StartService();
        clock.Pump(1, 4, 5, 4.9, 0.1);
        Assert.Equal([0, 5, 10, 15], times);

        Assert.True(timer.StopService().Called);
        clock.Pump(10, 10);
        Assert.Equal([0, 5, 10, 15], times);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void Nothing_is_called_before_start()
    {
        var clock = new Clock();
        var calls = 0;
        _ = new TimerService(TimeSpan.FromSeconds(1), () => calls++, clock);

        clock.Pump(5);
        Assert.Equal(0, calls);
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void A_call_returning_a_deferred_delays_the_next_and_missed_beats_are_skipped()
    {
        var clock = new Clock();
        var times = new List<double>();
        Deferred<Unit>? pending = null;
        var timer = new TimerService(TimeSpan.FromSeconds(2), () =>
        {
            times.Add(clock.Now);
            pending = new Deferred<Unit>();
            return pending;
        }, clock);

        timer.StartService();
        clock.Pump(2, 2, 1);           // t = 5: the first call is still busy
        Assert.Equal([0], times);
        pending!.Callback(Unit.Value); // done at 5: the next beat of the start rhythm is 6
        clock.Pump(0.5, 0.5);
        Assert.Equal([0, 6], times);
    }

    [Fact]
    public void Stop_waits_for_a_call_in_progress()
    {
        var clock = new Clock();
        var pending = new Deferred<Unit>();
        var timer = new TimerService(TimeSpan.FromSeconds(1), () => pending, clock);
        timer.StartService();

        var stopped = timer.StopService();
        Assert.False(stopped.Called);
        pending.Callback(Unit.Value);
        Assert.True(stopped.Called);
        clock.Pump(5);
        Assert.Equal(1, timer.Calls);
    }

    [Fact]
    public void A_failing_call_is_logged_and_the_loop_goes_on()
    {
        var clock = new Clock();
        var calls = 0;
        var logger = new ListLogger();
        var timer = new TimerService(TimeSpan.FromSeconds(1), () =>
        {
            calls++;
            throw new InvalidOperationException("expiry failed");
        }, clock, logger) { Name = "expiry" };

        timer.StartService();
        clock.Pump(1, 1);
        Assert.Equal(3, calls);
        Assert.Equal(3, logger.Entries.Count);
        Assert.Equal("TimerService 'expiry': call 1 failed; the next one stays scheduled.", logger.Entries[0].Message);
        Assert.Equal("expiry failed", logger.Entries[0].Error?.Message);
    }

    [Fact]
    public void Restarting_keeps_a_single_loop()
    {
        var clock = new Clock();
        var calls = 0;
        var timer = new TimerService(TimeSpan.FromSeconds(1), () => calls++, clock);

        timer.StartService();
        timer.StopService();
        timer.StartService();
        clock.Pump(1, 1);
        Assert.Equal(4, calls);
        Assert.Single(clock.PendingCalls);
    }

    [Fact]
    public void A_zero_interval_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimerService(TimeSpan.Zero, () => { }, new Clock()));
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(string Message, Exception? Error)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((formatter(state, exception), exception));
    }
}
