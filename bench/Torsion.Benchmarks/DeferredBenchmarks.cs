using BenchmarkDotNet.Attributes;
using Torsion.Defer;

namespace Torsion.Benchmarks;

/// <summary>
/// A result created, fired, passed through N continuations and consumed: Deferred vs the Task equivalents.
/// Each "1" benchmark does one continuation (+1), each "10" ten; all return the final value.
/// </summary>
[MemoryDiagnoser]
public class DeferredBenchmarks
{
    private static readonly Func<int, int> AddOne = static x => x + 1;
    private static readonly Func<Task<int>, int> TaskAddOne = static t => t.Result + 1;

    [Benchmark(Baseline = true, Description = "Deferred: 1 callback")]
    public int Deferred_1_callback_read()
    {
        var d = new Deferred<int>();
        d.AddCallback(AddOne);
        d.Callback(1);
        return d.GetAwaiter().GetResult();
    }

    [Benchmark(Description = "Deferred: 10 callbacks")]
    public int Deferred_10_callbacks()
    {
        var d = new Deferred<int>();
        for (var i = 0; i < 10; i++)
        {
            d.AddCallback(AddOne);
        }

        d.Callback(1);
        return d.GetAwaiter().GetResult();
    }

    [Benchmark(Description = "TCS + ContinueWith: 1 continuation")]
    public int Tcs_ContinueWith_1()
    {
        var tcs = new TaskCompletionSource<int>();
        var t = tcs.Task.ContinueWith(TaskAddOne, TaskContinuationOptions.ExecuteSynchronously);
        tcs.SetResult(1);
        return t.Result;
    }

    [Benchmark(Description = "TCS + ContinueWith: 10 continuations")]
    public int Tcs_ContinueWith_10()
    {
        var tcs = new TaskCompletionSource<int>();
        var t = tcs.Task;
        for (var i = 0; i < 10; i++)
        {
            t = t.ContinueWith(TaskAddOne, TaskContinuationOptions.ExecuteSynchronously);
        }

        tcs.SetResult(1);
        return t.Result;
    }

    [Benchmark(Description = "async Deferred awaiting a fired Deferred")]
    public int Async_Deferred_awaits_fired()
    {
        return AwaitDeferred(Deferred.Succeed(1)).GetAwaiter().GetResult();
    }

    [Benchmark(Description = "async Task awaiting a completed Task")]
    public int Async_Task_awaits_completed()
    {
        return AwaitTask(Task.FromResult(1)).GetAwaiter().GetResult();
    }

    [Benchmark(Description = "async ValueTask awaiting a completed ValueTask")]
    public int Async_ValueTask_awaits_completed()
    {
        var t = AwaitValueTask(new ValueTask<int>(1));
#pragma warning disable CA2012 // completed synchronously: the awaited ValueTask was already complete
        return t.IsCompleted ? t.Result : -1;
#pragma warning restore CA2012
    }

    [Benchmark(Description = "async Deferred awaiting a Deferred fired later")]
    public int Async_Deferred_awaits_pending()
    {
        var source = new Deferred<int>();
        var d = AwaitDeferred(source);
        source.Callback(1);
        return d.GetAwaiter().GetResult();
    }

    [Benchmark(Description = "async Task awaiting a TCS completed later")]
    public int Async_Task_awaits_pending()
    {
        var tcs = new TaskCompletionSource<int>();
        var t = AwaitTask(tcs.Task);
        tcs.SetResult(1);
        return t.GetAwaiter().GetResult();
    }

    private static async Deferred<int> AwaitDeferred(Deferred<int> d) => await d + 1000;

    private static async Task<int> AwaitTask(Task<int> t) => await t + 1000;

    private static async ValueTask<int> AwaitValueTask(ValueTask<int> t) => await t + 1000;
}
