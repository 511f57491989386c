using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredSemaphoreTests
{
    [Fact]
    public void Acquire_takes_tokens_until_none_are_left()
    {
        var semaphore = new DeferredSemaphore(2);
        Assert.True(semaphore.Acquire().Called);
        Assert.True(semaphore.Acquire().Called);
        Assert.Equal(0, semaphore.Tokens);
        var third = semaphore.Acquire();
        Assert.False(third.Called);
        semaphore.Release();
        Assert.True(third.Called);
        Assert.Equal(0, semaphore.Tokens);
    }

    [Fact]
    public void Release_with_all_tokens_free_throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new DeferredSemaphore(1).Release());
        Assert.Contains("1 tokens", error.Message);
    }

    [Fact]
    public void Zero_tokens_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeferredSemaphore(0));
    }

    [Fact]
    public void Run_limits_concurrency_to_the_token_count()
    {
        var semaphore = new DeferredSemaphore(2);
        var work = new[] { new Deferred<int>(), new Deferred<int>(), new Deferred<int>() };
        var started = new List<int>();
        var runs = work.Select((w, i) => semaphore.Run(() => { started.Add(i); return w; })).ToArray();
        Assert.Equal([0, 1], started);
        work[0].Callback(0);
        Assert.Equal([0, 1, 2], started);
        work[1].Callback(1);
        work[2].Callback(2);
        Assert.All(runs, r => Assert.True(r.Called));
        Assert.Equal(2, semaphore.Tokens);
    }

    [Fact]
    public void Cancelling_a_waiting_acquire_removes_it()
    {
        var semaphore = new DeferredSemaphore(1);
        semaphore.Acquire();
        var waiter = semaphore.Acquire();
        waiter.AddErrback(_ => semaphore);
        waiter.Cancel();
        Assert.Equal(0, semaphore.Waiting);
        semaphore.Release();
        Assert.Equal(1, semaphore.Tokens);
    }
}
