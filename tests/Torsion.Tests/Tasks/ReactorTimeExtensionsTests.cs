using Torsion.Defer;
using Torsion.Tasks;
using Torsion.Testing;

namespace Torsion.Tests.Tasks;

public sealed class ReactorTimeExtensionsTests
{
    [Fact]
    public void DeferLater_fires_with_the_function_result_after_the_delay()
    {
        var clock = new Clock();
        var d = clock.DeferLater(TimeSpan.FromSeconds(3), () => 42);

        clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(d.Called);
        clock.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(42, Fired.Value(d));
    }

    [Fact]
    public void DeferLater_does_not_call_the_function_before_the_delay()
    {
        var clock = new Clock();
        var called = false;
        _ = clock.DeferLater(TimeSpan.FromSeconds(1), () => called = true);

        Assert.False(called);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(called);
    }

    [Fact]
    public void DeferLater_fails_with_what_the_function_throws()
    {
        var clock = new Clock();
        var d = clock.DeferLater(TimeSpan.FromSeconds(1), (Func<int>)(() => throw new FormatException("nope")));

        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("nope", Assert.Throws<FormatException>(() => Fired.Value(d)).Message);
    }

    [Fact]
    public void Cancelling_DeferLater_cancels_the_delayed_call()
    {
        var clock = new Clock();
        var called = false;
        var d = clock.DeferLater(TimeSpan.FromSeconds(1), () => called = true);

        d.Cancel();

        Assert.Empty(clock.PendingCalls);
        Assert.Throws<CancelledException>(() => Fired.Value(d));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(called);
    }

    [Fact]
    public void DeferLater_with_a_deferred_function_waits_for_it_and_cancelling_reaches_it()
    {
        var clock = new Clock();
        var innerCancelled = false;
        var inner = new Deferred<string>(_ => innerCancelled = true);
        var d = clock.DeferLater(TimeSpan.FromSeconds(1), () => inner);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(d.GetAwaiter().IsCompleted);
        d.Cancel();

        Assert.True(innerCancelled);
        Assert.Throws<CancelledException>(() => Fired.Value(d));
    }

    [Fact]
    public void DeferLater_without_a_function_fires_with_unit()
    {
        var clock = new Clock();
        var d = clock.DeferLater(TimeSpan.FromMilliseconds(10));

        clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(Unit.Value, Fired.Value(d));
    }

    [Fact]
    public async Task DeferLater_can_be_awaited_inside_an_async_Deferred()
    {
        var clock = new Clock();
        async Deferred<int> Twice()
        {
            var a = await clock.DeferLater(TimeSpan.FromSeconds(1), () => 1);
            var b = await clock.DeferLater(TimeSpan.FromSeconds(1), () => 2);
            return a + b;
        }

        var d = Twice();
        clock.Pump(1, 1);

        Assert.Equal(3, await d.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_negative_delay_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Clock().DeferLater(TimeSpan.FromSeconds(-1), () => 1));
    }
}
