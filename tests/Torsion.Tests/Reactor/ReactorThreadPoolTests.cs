using Microsoft.Extensions.Logging;
using Torsion.Reactor;

namespace Torsion.Tests.Reactor;

public sealed class ReactorThreadPoolTests
{
    private static Thread RunOnThread(ReactorBase reactor)
    {
        var thread = new Thread(reactor.Run) { IsBackground = true, Name = "pool test reactor" };
        thread.Start();
        return thread;
    }

    [Fact]
    public async Task Run_returns_only_after_the_pool_threads_finished_their_work()
    {
        using var reactor = new EpollReactor(new ReactorOptions { ShutdownTimeout = TimeSpan.FromSeconds(10) });
        var started = new TaskCompletionSource<Thread>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        reactor.CallWhenRunning(() => reactor.CallInThread(() =>
        {
            started.SetResult(Thread.CurrentThread);
            Thread.Sleep(300); // work in progress when the reactor stops
            Volatile.Write(ref finished, true);
        }));
        var loop = RunOnThread(reactor);
        var worker = await started.Task.WaitAsync(ReactorHarness.Timeout);
        reactor.Stop();
        Assert.True(loop.Join(ReactorHarness.Timeout), "the reactor did not stop");
        Assert.True(Volatile.Read(ref finished), "Run returned while a pool thread was still working");
        Assert.False(worker.IsAlive, "the pool thread was not joined");
    }

    [Fact]
    public async Task A_pool_thread_stuck_in_its_work_delays_the_stop_by_the_shutdown_timeout_at_most_and_is_logged()
    {
        var logs = new RecordingLoggerFactory();
        using var reactor = new EpollReactor(new ReactorOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(200), LoggerFactory = logs });
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.CallWhenRunning(() => reactor.CallInThread(() =>
        {
            started.SetResult();
            release.Wait();
        }));
        var loop = RunOnThread(reactor);
        try
        {
            await started.Task.WaitAsync(ReactorHarness.Timeout);
            reactor.Stop();
            Assert.True(loop.Join(ReactorHarness.Timeout), "a stuck pool thread kept the reactor from stopping");
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("1 thread pool threads were still running work 200 ms", StringComparison.Ordinal));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public void CallInThread_after_the_reactor_stopped_says_the_pool_is_stopped()
    {
        using var reactor = new EpollReactor();
        reactor.CallWhenRunning(reactor.Stop);
        reactor.Run();
        var error = Assert.Throws<InvalidOperationException>(() => reactor.CallInThread(() => { }));
        Assert.Equal("The reactor's thread pool is stopped: the reactor has shut down.", error.Message);
    }
}
