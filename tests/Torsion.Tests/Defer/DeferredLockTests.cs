using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredLockTests
{
    [Fact]
    public void Acquire_of_a_free_lock_fires_at_once()
    {
        var lockObject = new DeferredLock();
        Assert.True(lockObject.Acquire().Called);
        Assert.True(lockObject.Locked);
    }

    [Fact]
    public void Waiters_get_the_lock_in_order_on_release()
    {
        var lockObject = new DeferredLock();
        lockObject.Acquire();
        var second = lockObject.Acquire();
        var third = lockObject.Acquire();
        Assert.False(second.Called);
        lockObject.Release();
        Assert.True(second.Called);
        Assert.False(third.Called);
        lockObject.Release();
        Assert.True(third.Called);
        lockObject.Release();
        Assert.False(lockObject.Locked);
    }

    [Fact]
    public void Release_of_a_free_lock_throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new DeferredLock().Release());
        Assert.Contains("not held", error.Message);
    }

    [Fact]
    public void Cancelling_a_waiting_acquire_removes_it()
    {
        var lockObject = new DeferredLock();
        lockObject.Acquire();
        var waiter = lockObject.Acquire();
        waiter.AddErrback(_ => lockObject);
        waiter.Cancel();
        Assert.Equal(0, lockObject.Waiting);
        lockObject.Release();
        Assert.False(lockObject.Locked);
    }

    [Fact]
    public void Run_holds_the_lock_until_the_function_Deferred_fires()
    {
        var lockObject = new DeferredLock();
        var work = new Deferred<string>();
        var run = lockObject.Run(() => work);
        Assert.True(lockObject.Locked);
        var second = lockObject.Run(() => 5);
        Assert.False(second.Called);
        work.Callback("done");
        Assert.Equal("done", Fired.Value(run));
        Assert.Equal(5, Fired.Value(second));
        Assert.False(lockObject.Locked);
    }

    [Fact]
    public void Run_releases_the_lock_when_the_function_throws()
    {
        var lockObject = new DeferredLock();
        var run = lockObject.Run(new Func<int>(() => throw new FormatException()));
        Exception? error = null;
        run.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
        Assert.False(lockObject.Locked);
    }
}
