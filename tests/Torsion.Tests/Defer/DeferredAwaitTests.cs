using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredAwaitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Deferred<int> AddOne(Deferred<int> source) => await source + 1;

    private static async Deferred<int> AwaitTwice(Deferred<int> a, Deferred<int> b)
    {
        var x = await a;
        var y = await b;
        return x + y;
    }

    [Fact]
    public void Awaiting_a_fired_Deferred_completes_synchronously_on_the_same_thread()
    {
        NoContext();
        var thread = Environment.CurrentManagedThreadId;
        var resumedOn = -1;
        async Deferred<int> Body()
        {
            var v = await Deferred.Succeed(41);
            resumedOn = Environment.CurrentManagedThreadId;
            return v + 1;
        }

        var d = Body();
        Assert.True(d.Called);
        Assert.Equal(thread, resumedOn);
        Assert.Equal(42, Result(d));
    }

    [Fact]
    public void Async_Deferred_method_resumes_when_the_awaited_Deferred_fires()
    {
        NoContext();
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var d = AwaitTwice(a, b);
        Assert.False(d.Called);
        a.Callback(1);
        Assert.False(d.Called);
        b.Callback(2);
        Assert.Equal(3, Result(d));
    }

    [Fact]
    public void Continuation_runs_on_the_thread_that_fires_the_Deferred()
    {
        NoContext();
        var source = new Deferred<int>();
        var resumedOn = -1;
        async Deferred<int> Body()
        {
            await source;
            resumedOn = Environment.CurrentManagedThreadId;
            return 0;
        }

        var d = Body();
        var firingThread = -1;
        var t = new Thread(() => { firingThread = Environment.CurrentManagedThreadId; source.Callback(1); });
        t.Start();
        Assert.True(t.Join(Patience));
        Assert.Equal(firingThread, resumedOn);
        Assert.True(d.Called);
    }

    [Fact]
    public void Continuation_is_posted_to_the_captured_SynchronizationContext_when_it_differs()
    {
        NoContext();
        var context = new QueueContext();
        var source = new Deferred<int>();
        var previous = SynchronizationContext.Current;
        Deferred<int> d;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            d = AddOne(source);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        source.Callback(1);
        Assert.False(d.Called);
        Assert.Equal(1, context.Pending);
        context.RunAll();
        Assert.Equal(2, Result(d));
    }

    [Fact]
    public void Continuation_runs_inline_when_fired_on_the_captured_SynchronizationContext()
    {
        NoContext();
        var context = new QueueContext();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var source = new Deferred<int>();
            var d = AddOne(source);
            source.Callback(1);
            Assert.Equal(0, context.Pending);
            Assert.Equal(2, Result(d));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    [Fact]
    public void Await_throws_the_failure_and_handles_it()
    {
        NoContext();
        var source = new Deferred<int>();
        Exception? caught = null;
        async Deferred<int> Body()
        {
            try
            {
                return await source;
            }
            catch (FormatException e)
            {
                caught = e;
                return -1;
            }
        }

        var d = Body();
        source.Errback(new FormatException("bad"));
        Assert.IsType<FormatException>(caught);
        Assert.Equal(-1, Result(d));
        Assert.False(source.ToString().Contains("waiting", StringComparison.Ordinal));
    }

    [Fact]
    public void Exception_thrown_in_async_Deferred_method_fails_its_Deferred()
    {
        NoContext();
        async Deferred<int> Body()
        {
            await Deferred.Succeed(1);
            throw new ArgumentException("from the method");
        }

        var d = Body();
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        Assert.IsType<ArgumentException>(error);
    }

    [Fact]
    public void Cancelling_an_async_Deferred_cancels_the_Deferred_it_awaits()
    {
        NoContext();
        var innerCancelled = false;
        var inner = new Deferred<int>(_ => innerCancelled = true);
        Exception? seenInMethod = null;
        async Deferred<int> Body()
        {
            try
            {
                return await inner;
            }
            catch (CancelledException e)
            {
                seenInMethod = e;
                throw;
            }
        }

        var d = Body();
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        d.Cancel();
        Assert.True(innerCancelled);
        Assert.IsType<CancelledException>(seenInMethod);
        Assert.IsType<CancelledException>(error);
    }

    [Fact]
    public void Async_method_that_swallows_cancellation_still_leaves_its_Deferred_cancelled()
    {
        NoContext();
        var inner = new Deferred<int>();
        var later = new Deferred<int>();
        async Deferred<int> Body()
        {
            try
            {
                return await inner;
            }
            catch (CancelledException)
            {
                return await later;
            }
        }

        var d = Body();
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        d.Cancel();
        Assert.IsType<CancelledException>(error);
        later.Callback(5); // the method finishes; its result is dropped, not thrown
    }

    [Fact]
    public void Async_Deferred_can_await_a_Task()
    {
        NoContext();
        var tcs = new TaskCompletionSource<int>();
        async Deferred<int> Body() => await tcs.Task * 2;
        var d = Body();
        tcs.SetResult(21);
        Assert.Equal(42, Result(d));
    }

    [Fact]
    public async Task Async_Task_can_await_a_Deferred()
    {
        NoContext();
        var source = new Deferred<int>();
        async Task<int> Body() => await source + 1;
        var task = Body();
        Assert.False(task.IsCompleted);
        source.Callback(9);
        Assert.Equal(10, await task.WaitAsync(Patience));
    }

    [Fact]
    public void Hundred_thousand_chained_async_Deferreds_complete_without_stack_overflow()
    {
        NoContext();
        const int depth = 100_000;
        var first = new Deferred<int>();
        var current = first;
        for (var i = 0; i < depth; i++)
        {
            current = AddOne(current);
        }

        Assert.False(current.Called);
        first.Callback(0);
        Assert.Equal(depth, Result(current));
    }

    [Fact]
    public async Task AsTask_completes_with_the_value()
    {
        NoContext();
        var d = new Deferred<int>();
        var task = d.AsTask();
        Assert.False(task.IsCompleted);
        d.Callback(4);
        Assert.Equal(4, await task.WaitAsync(Patience));
    }

    [Fact]
    public async Task AsTask_faults_with_the_failure()
    {
        NoContext();
        var d = new Deferred<int>();
        var task = d.AsTask();
        d.Errback(new FormatException("x"));
        await Assert.ThrowsAsync<FormatException>(() => task.WaitAsync(Patience));
    }

    [Fact]
    public void AsTask_of_a_fired_Deferred_is_already_complete()
    {
        NoContext();
        Assert.True(Deferred.Succeed(3).AsTask().IsCompletedSuccessfully);
        Assert.True(Deferred.Fail<int>(new FormatException()).AsTask().IsFaulted);
    }

    [Fact]
    public void FromTask_fires_when_the_task_completes()
    {
        NoContext();
        var tcs = new TaskCompletionSource<string>();
        var d = Deferred.FromTask(tcs.Task);
        Assert.False(d.Called);
        tcs.SetResult("done");
        Assert.Equal("done", Result(d));
    }

    [Fact]
    public void FromTask_of_a_completed_task_is_already_fired()
    {
        NoContext();
        Assert.Equal(5, Result(Deferred.FromTask(Task.FromResult(5))));
    }

    [Fact]
    public void FromTask_carries_the_task_exception()
    {
        NoContext();
        var tcs = new TaskCompletionSource<int>();
        var d = Deferred.FromTask(tcs.Task);
        tcs.SetException(new FormatException("task failed"));
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void FromTask_without_value_fires_with_Unit()
    {
        NoContext();
        var tcs = new TaskCompletionSource();
        var d = Deferred.FromTask((Task)tcs.Task);
        tcs.SetResult();
        Assert.True(SpinWait.SpinUntil(() => d.Called, Patience));
        Assert.Equal(Unit.Value, Result(d));
    }

    [Fact]
    public void FromTask_fires_on_the_captured_SynchronizationContext()
    {
        NoContext();
        var context = new QueueContext();
        var tcs = new TaskCompletionSource<int>();
        var previous = SynchronizationContext.Current;
        Deferred<int> d;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            d = Deferred.FromTask(tcs.Task);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        tcs.SetResult(1);
        Assert.False(d.Called);
        context.RunAll();
        Assert.Equal(1, Result(d));
    }

    [Fact]
    public void Awaiting_a_stale_typed_handle_throws_naming_the_new_type()
    {
        NoContext();
        var d = new Deferred<int>();
        d.AddCallback(x => x.ToString());
        d.Callback(1);
        var error = Assert.Throws<InvalidOperationException>(() => d.GetAwaiter().GetResult());
        Assert.Contains("Deferred<string>", error.Message);
    }

    /// <summary>xunit runs tests under its own SynchronizationContext; these tests choose their context explicitly.</summary>
    private static void NoContext() => SynchronizationContext.SetSynchronizationContext(null);

    private static T Result<T>(Deferred<T> d)
    {
        Assert.True(d.Called, "the Deferred has not fired");
        return d.GetAwaiter().GetResult();
    }

    private sealed class QueueContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback, object?)> _queue = new();

        public int Pending => _queue.Count;

        public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

        public void RunAll()
        {
            var previous = Current;
            SetSynchronizationContext(this);
            try
            {
                while (_queue.TryDequeue(out var item))
                {
                    item.Item1(item.Item2);
                }
            }
            finally
            {
                SetSynchronizationContext(previous);
            }
        }
    }
}
