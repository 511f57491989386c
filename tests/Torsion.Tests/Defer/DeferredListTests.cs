using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredListTests
{
    [Fact]
    public void Fires_with_every_outcome_in_order_when_all_have_fired()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var error = new FormatException("b");
        var list = new DeferredList<int>([a, b], consumeErrors: true);
        IReadOnlyList<DeferredResult<int>>? results = null;
        list.Deferred.AddCallback(r => results = r);
        b.Errback(error);
        Assert.Null(results);
        a.Callback(1);
        Assert.Equal([new DeferredResult<int>(true, 1, null), new DeferredResult<int>(false, 0, error)], results);
        Assert.Equal(-1, list.FiredIndex);
    }

    [Fact]
    public void Empty_list_fires_at_once()
    {
        Assert.True(new DeferredList<int>([]).Deferred.Called);
    }

    [Fact]
    public void FireOnOneCallback_fires_on_the_first_success()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var list = new DeferredList<int>([a, b], fireOnOneCallback: true);
        b.Callback(2);
        Assert.True(list.Deferred.Called);
        Assert.Equal(1, list.FiredIndex);
        Assert.Equal(2, list.Results[1].Value);
    }

    [Fact]
    public void FireOnOneErrback_fails_on_the_first_failure()
    {
        var a = new Deferred<int>();
        var list = new DeferredList<int>([a, new Deferred<int>()], fireOnOneErrback: true, consumeErrors: true);
        Exception? error = null;
        list.Deferred.AddErrback(e => { error = e; return []; });
        a.Errback(new FormatException("a"));
        var first = Assert.IsType<FirstErrorException>(error);
        Assert.Equal(0, first.Index);
        Assert.Equal(0, list.FiredIndex);
    }

    [Fact]
    public void ConsumeErrors_handles_the_source_failures()
    {
        var a = new Deferred<int>();
        _ = new DeferredList<int>([a], consumeErrors: true);
        a.Errback(new FormatException());
        var value = -1;
        a.AddCallback(x => value = x);
        Assert.Equal(0, value);
    }

    [Fact]
    public void Without_consumeErrors_the_source_keeps_its_failure()
    {
        var a = new Deferred<int>();
        _ = new DeferredList<int>([a]);
        a.Errback(new FormatException());
        Exception? error = null;
        a.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void Cancelling_the_list_cancels_the_sources()
    {
        var a = new Deferred<int>();
        var list = new DeferredList<int>([a], consumeErrors: true);
        list.Deferred.Cancel();
        Assert.True(a.Called);
        Assert.True(list.Deferred.Called);
        Assert.False(list.Results[0].Success);
    }
}
