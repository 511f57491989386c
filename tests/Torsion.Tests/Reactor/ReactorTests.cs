using System.Diagnostics;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Tests.Reactor;

/// <summary>The reactor core, once for every reactor.</summary>
public abstract class ReactorTests : ReactorHarness
{
    [Fact]
    public async Task CallLater_runs_calls_in_time_order_and_skips_cancelled_ones()
    {
        var order = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            Reactor.CallLater(TimeSpan.FromMilliseconds(30), () => order.Add(3));
            Reactor.CallLater(TimeSpan.FromMilliseconds(10), () => order.Add(1));
            var cancelled = Reactor.CallLater(TimeSpan.FromMilliseconds(20), () => order.Add(99));
            Reactor.CallLater(TimeSpan.FromMilliseconds(20), () => order.Add(2));
            cancelled.Cancel();
            Assert.False(cancelled.Active);
            Assert.Throws<InvalidOperationException>(cancelled.Cancel);
            Reactor.CallLater(TimeSpan.FromMilliseconds(40), () => done.SetResult());
        });
        await Within(done.Task);
        Assert.Equal([1, 2, 3], order);
    }

    [Fact]
    public async Task Reset_and_Delay_move_a_call()
    {
        var ran = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduledAt = await On(() =>
        {
            var call = Reactor.CallLater(TimeSpan.FromMilliseconds(5), () => ran.SetResult(Reactor.Seconds()));
            call.Reset(TimeSpan.FromMilliseconds(50));
            call.Delay(TimeSpan.FromMilliseconds(50));
            return Reactor.Seconds();
        });
        var at = await Within(ran.Task);
        Assert.True(at - scheduledAt >= 0.099, $"ran after {at - scheduledAt:F3}s");
    }

    /// <summary>
    /// How long 2000 loop turns, each woken by a call from another thread, may take on this reactor on a loaded
    /// machine: a bound that catches a loop gone badly wrong, while the ratio in the test below catches pending timers
    /// that cost time per turn.
    /// </summary>
    protected virtual TimeSpan TwoThousandTurnsAllowance => TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_million_pending_timers_cost_memory_not_time_per_loop_turn()
    {
        // Each figure is the best of three, and the ratio is of the reactor thread's CPU time, not of the clock: other
        // tests running in parallel stretch the wall-clock time of loop turns (waiting for a core) but not their work.
        var (idle, idleCpu) = await BestOfThree();
        var calls = await On(() =>
        {
            var list = new IDelayedCall[1_000_000];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = Reactor.CallLater(TimeSpan.FromHours(1 + (i % 1000)), static () => { });
            }

            return list;
        });

        // The million timers were just allocated: collect now, so that the measurement is of loop turns, not of the GC.
        GC.Collect();
        var (loaded, loadedCpu) = await BestOfThree();

        // A turn that scanned the timers would work a millisecond or more with a million of them: seconds of CPU over
        // 2000 turns, far beyond the factor and the slack.
        var slack = TimeSpan.FromMilliseconds(500);
        Assert.True(
            loadedCpu < idleCpu * 3 + slack,
            $"2000 turns took {loadedCpu} of reactor CPU ({loaded} by the clock) with a million pending timers, {idleCpu} ({idle}) with none");
        Assert.True(loaded < TwoThousandTurnsAllowance, $"2000 turns took {loaded} (allowed: {TwoThousandTurnsAllowance})");
        await On(() =>
        {
            var timer = Stopwatch.StartNew();
            for (var i = 0; i < calls.Length; i += 2)
            {
                calls[i].Cancel();
            }

            Assert.Equal(500_000, Reactor.Timers.Count);
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(5), $"cancelling 500k took {timer.Elapsed}");
        });
    }

    /// <summary>2000 loop turns, each woken by a call from this thread: the least wall-clock and reactor CPU time of three tries.</summary>
    private async Task<(TimeSpan Wall, TimeSpan Cpu)> BestOfThree()
    {
        var (wall, cpu) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var i = 0; i < 3; i++)
        {
            var (w, c) = await TimeTwoThousandTurns();
            wall = w < wall ? w : wall;
            cpu = c < cpu ? c : cpu;
        }

        return (wall, cpu);
    }

    private async Task<(TimeSpan Wall, TimeSpan Cpu)> TimeTwoThousandTurns()
    {
        var stopwatch = Stopwatch.StartNew();
        var cpuBefore = await On(ThreadCpuTime.Current);
        for (var i = 0; i < 2000; i++)
        {
            await On(() => { });
        }

        var cpuAfter = await On(ThreadCpuTime.Current);
        return (stopwatch.Elapsed, cpuAfter - cpuBefore);
    }

    [Fact]
    public async Task CallFromThread_runs_calls_from_many_threads_in_order_per_thread()
    {
        const int perThread = 2000;
        var seen = new List<(int Thread, int Index)>();
        var done = new CountdownEvent(4 * perThread);
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                var index = i;
                Reactor.CallFromThread(() =>
                {
                    Assert.True(Reactor.IsInReactorThread);
                    seen.Add((t, index));
                    done.Signal();
                });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(await Task.Run(() => done.Wait(Timeout)));
        await On(() =>
        {
            foreach (var group in seen.GroupBy(s => s.Thread))
            {
                Assert.Equal(Enumerable.Range(0, perThread), group.Select(g => g.Index));
            }
        });
    }

    [Fact]
    public async Task CallFromThread_wakes_a_loop_sleeping_on_a_far_timer()
    {
        await On(() => Reactor.CallLater(TimeSpan.FromHours(1), () => { }));
        var stopwatch = Stopwatch.StartNew();
        await On(() => { });
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task CallInThread_runs_off_the_reactor_thread_and_the_pool_size_bounds_concurrency()
    {
        Reactor.SuggestThreadPoolSize(2);
        var running = 0;
        var most = 0;
        using var all = new CountdownEvent(8);
        for (var i = 0; i < 8; i++)
        {
            Reactor.CallInThread(() =>
            {
                Assert.False(Reactor.IsInReactorThread);
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Thread.Sleep(20);
                Interlocked.Decrement(ref running);
                all.Signal();
            });
        }

        Assert.True(await Task.Run(() => all.Wait(Timeout)));
        Assert.InRange(most, 1, 2);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    [Fact]
    public async Task DeferToThread_fires_on_the_reactor_thread_with_the_result_or_the_error()
    {
        var result = new TaskCompletionSource<(int, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var error = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            Reactor.DeferToThread(() => Reactor.IsInReactorThread ? -1 : 42)
                .AddCallback(v => result.SetResult((v, Reactor.IsInReactorThread)));
            Reactor.DeferToThread<int>(() => throw new InvalidDataException("boom"))
                .AddErrback(e =>
                {
                    error.SetResult(e);
                    return 0;
                });
        });
        Assert.Equal((42, true), await Within(result.Task));
        Assert.IsType<InvalidDataException>(await Within(error.Task));
    }

    [Fact]
    public async Task BlockingCallFromThread_returns_the_result_and_rethrows_errors()
    {
        var value = await Task.Run(() => Reactor.BlockingCallFromThread(() => Reactor.IsInReactorThread ? 7 : 0));
        Assert.Equal(7, value);
        var fromDeferred = await Task.Run(() => Reactor.BlockingCallFromThread(() => Deferred.Succeed("ok")));
        Assert.Equal("ok", fromDeferred);
        await Assert.ThrowsAsync<FormatException>(() => Task.Run(() => Reactor.BlockingCallFromThread(new Func<int>(() => throw new FormatException()))));
        var onReactor = await On(() => Assert.Throws<InvalidOperationException>(() => Reactor.BlockingCallFromThread(() => 1)));
        Assert.Contains("reactor thread", onReactor.Message);
    }

    [Fact]
    public async Task Await_in_reactor_code_comes_back_to_the_reactor_thread()
    {
        var threadAfterAwait = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            _ = Continue();

            async Task Continue()
            {
                await Task.Run(() => Thread.Sleep(10));
                threadAfterAwait.SetResult(Reactor.IsInReactorThread);
            }
        });
        Assert.True(await Within(threadAfterAwait.Task));
    }

    [Fact]
    public async Task CallLater_from_another_thread_says_to_use_CallFromThread()
    {
        await On(() => { });
        var error = Assert.Throws<InvalidOperationException>(() => Reactor.CallLater(TimeSpan.Zero, () => { }));
        Assert.Contains("CallFromThread", error.Message);
    }

    [Fact]
    public async Task A_throwing_delayed_call_is_logged_and_the_loop_goes_on()
    {
        var after = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            Reactor.CallLater(TimeSpan.Zero, () => throw new InvalidOperationException("bad timer"));
            Reactor.CallLater(TimeSpan.FromMilliseconds(5), after.SetResult);
        });
        await Within(after.Task);
        Assert.Contains(Logs.Entries, e => e.Exception?.Message == "bad timer");
    }

    [Fact]
    public async Task Shutdown_runs_before_during_after_triggers_and_waits_for_their_Deferreds()
    {
        var order = new List<string>();
        Deferred<Unit>? pending = null;
        await On(() =>
        {
            Reactor.AddSystemEventTrigger(SystemEventPhase.After, SystemEventType.Shutdown, () => order.Add("after"));
            Reactor.AddSystemEventTrigger(SystemEventPhase.During, SystemEventType.Shutdown, () => order.Add("during"));
            Reactor.AddSystemEventTrigger(SystemEventPhase.Before, SystemEventType.Shutdown, () =>
            {
                order.Add("before");
                pending = new Deferred<Unit>();
                Reactor.CallLater(TimeSpan.FromMilliseconds(50), () =>
                {
                    order.Add("before-fired");
                    pending.Callback(Unit.Value);
                });
                return pending;
            });
            var removed = Reactor.AddSystemEventTrigger(SystemEventPhase.Before, SystemEventType.Shutdown, () => order.Add("removed"));
            Reactor.RemoveSystemEventTrigger(removed);
            Reactor.Stop();
        });
        StopAndJoin();
        Assert.Equal(["before", "before-fired", "during", "after"], order);
        Assert.False(Reactor.Running);
        Assert.Throws<InvalidOperationException>(Reactor.Run);
    }

    [Fact]
    public async Task CallWhenRunning_on_a_running_reactor_runs_the_call()
    {
        var ran = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() => Reactor.CallWhenRunning(() => ran.SetResult(Reactor.IsInReactorThread)));
        Assert.True(await Within(ran.Task));
    }
}

public sealed class EpollReactorTests : ReactorTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectReactorTests : ReactorTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibReactorTests : ReactorTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}

public sealed class SynchronizationContextReactorTests : ReactorTests
{
    private readonly DispatcherSynchronizationContext _dispatcher = new();

    protected override ReactorBase CreateReactor(ReactorOptions options) => new SynchronizationContextReactor(_dispatcher, options);

    // Each turn hands off three times: the watcher thread is woken, posts the batch to the dispatcher's thread, and waits
    // to hear that the batch is done.
    protected override TimeSpan TwoThousandTurnsAllowance => TimeSpan.FromSeconds(20);

    protected override void OnDisposed() => _dispatcher.Dispose();
}
