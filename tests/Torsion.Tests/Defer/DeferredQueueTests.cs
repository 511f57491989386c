using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredQueueTests
{
    [Fact]
    public void Get_of_a_pending_item_fires_at_once()
    {
        var queue = new DeferredQueue<string>();
        queue.Put("a");
        Assert.Equal("a", Fired.Value(queue.Get()));
    }

    [Fact]
    public void Waiting_gets_are_served_in_order_by_put()
    {
        var queue = new DeferredQueue<int>();
        var first = queue.Get();
        var second = queue.Get();
        queue.Put(1);
        queue.Put(2);
        Assert.Equal(1, Fired.Value(first));
        Assert.Equal(2, Fired.Value(second));
    }

    [Fact]
    public void Put_beyond_size_throws_QueueOverflowException()
    {
        var queue = new DeferredQueue<int>(size: 1);
        queue.Put(1);
        var error = Assert.Throws<QueueOverflowException>(() => queue.Put(2));
        Assert.Contains("size limit is 1", error.Message);
    }

    [Fact]
    public void Get_beyond_backlog_throws_QueueUnderflowException()
    {
        var queue = new DeferredQueue<int>(backlog: 1);
        queue.Get();
        var error = Assert.Throws<QueueUnderflowException>(() => queue.Get());
        Assert.Contains("backlog limit is 1", error.Message);
    }

    [Fact]
    public void Cancelling_a_waiting_get_removes_the_waiter()
    {
        var queue = new DeferredQueue<int>();
        var cancelled = queue.Get();
        var next = queue.Get();
        cancelled.AddErrback(_ => -1);
        cancelled.Cancel();
        Assert.Equal(1, queue.Waiting);
        queue.Put(7);
        Assert.Equal(7, Fired.Value(next));
        Assert.Equal(0, queue.Pending);
    }

    [Fact]
    public void Negative_limits_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeferredQueue<int>(size: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeferredQueue<int>(backlog: -1));
    }
}
