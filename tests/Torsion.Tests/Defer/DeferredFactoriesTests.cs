using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredFactoriesTests
{
    [Fact]
    public void Succeed_is_already_fired_with_the_value()
    {
        var d = Deferred.Succeed("x");
        Assert.True(d.Called);
        Assert.Equal("x", Fired.Value(d));
    }

    [Fact]
    public void Fail_is_already_failed()
    {
        var d = Deferred.Fail<int>(new FormatException("f"));
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void MaybeDeferred_wraps_a_value()
    {
        Assert.Equal(3, Fired.Value(Deferred.MaybeDeferred(() => 3)));
    }

    [Fact]
    public void MaybeDeferred_wraps_a_thrown_exception()
    {
        var d = Deferred.MaybeDeferred(new Func<int>(() => throw new FormatException("thrown")));
        Exception? error = null;
        d.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void MaybeDeferred_returns_a_returned_Deferred()
    {
        var inner = new Deferred<int>();
        Assert.Same(inner, Deferred.MaybeDeferred(() => inner));
    }

    [Fact]
    public void Gather_fires_with_all_results_in_order()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        IReadOnlyList<int>? results = null;
        Deferred.Gather([a, b]).AddCallback(r => results = r);
        b.Callback(2);
        Assert.Null(results);
        a.Callback(1);
        Assert.Equal([1, 2], results);
    }

    [Fact]
    public void Gather_of_nothing_fires_with_an_empty_list()
    {
        Assert.Empty(Fired.Value(Deferred.Gather(Array.Empty<Deferred<int>>())));
    }

    [Fact]
    public void Gather_fails_on_the_first_failure_with_FirstErrorException()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        Exception? error = null;
        Deferred.Gather([a, b], consumeErrors: true).AddErrback(e => { error = e; return []; });
        b.Errback(new FormatException("second failed"));
        var first = Assert.IsType<FirstErrorException>(error);
        Assert.Equal(1, first.Index);
        Assert.IsType<FormatException>(first.InnerException);
        Assert.Contains("#1", first.Message);
    }

    [Fact]
    public void Gather_with_consumeErrors_handles_the_source_failures()
    {
        var a = new Deferred<int>();
        Deferred.Gather([a], consumeErrors: true).AddErrback(_ => []);
        a.Errback(new FormatException());
        var value = -1;
        a.AddCallback(x => value = x);
        Assert.Equal(0, value);
    }

    [Fact]
    public void Gather_without_consumeErrors_leaves_the_source_failures()
    {
        var a = new Deferred<int>();
        Deferred.Gather([a]).AddErrback(_ => []);
        a.Errback(new FormatException());
        Exception? error = null;
        a.AddErrback(e => { error = e; return 0; });
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public void Cancelling_Gather_cancels_every_source()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var gathered = Deferred.Gather([a, b], consumeErrors: true);
        gathered.AddErrback(_ => []);
        gathered.Cancel();
        Assert.True(a.Called);
        Assert.True(b.Called);
    }

    [Fact]
    public void Race_fires_with_the_first_result_and_cancels_the_others()
    {
        var a = new Deferred<int>();
        var bCancelled = false;
        var b = new Deferred<int>(_ => bCancelled = true);
        (int Index, int Value) winner = default;
        Deferred.Race([a, b]).AddCallback(r => winner = r);
        a.Callback(10);
        Assert.Equal((0, 10), winner);
        Assert.True(bCancelled);
    }

    [Fact]
    public void Race_fails_with_every_failure_when_all_fail()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        Exception? error = null;
        Deferred.Race([a, b]).AddErrback(e => { error = e; return (-1, -1); });
        a.Errback(new FormatException("a"));
        Assert.Null(error);
        b.Errback(new ArgumentException("b"));
        var all = Assert.IsType<AggregateException>(error);
        Assert.Equal(2, all.InnerExceptions.Count);
        Assert.IsType<FormatException>(all.InnerExceptions[0]);
    }

    [Fact]
    public void Race_with_a_failure_first_still_takes_a_later_success()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        (int Index, int Value) winner = default;
        Deferred.Race([a, b]).AddCallback(r => winner = r);
        a.Errback(new FormatException());
        b.Callback(5);
        Assert.Equal((1, 5), winner);
    }

    [Fact]
    public void Cancelling_Race_cancels_every_source()
    {
        var a = new Deferred<int>();
        var b = new Deferred<int>();
        var race = Deferred.Race([a, b]);
        race.AddErrback(_ => (-1, -1));
        race.Cancel();
        Assert.True(a.Called);
        Assert.True(b.Called);
    }

    [Fact]
    public void Race_of_nothing_throws()
    {
        Assert.Throws<ArgumentException>(() => Deferred.Race(Array.Empty<Deferred<int>>()));
    }
}
