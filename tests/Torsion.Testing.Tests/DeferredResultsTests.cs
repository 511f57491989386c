using Torsion.Defer;

namespace Torsion.Testing.Tests;

public sealed class DeferredResultsTests
{
    [Fact]
    public void SuccessResultOf_returns_the_value_of_a_fired_deferred()
    {
        Assert.Equal(42, DeferredResults.SuccessResultOf(Deferred.Succeed(42)));
    }

    [Fact]
    public void SuccessResultOf_refuses_an_unfired_or_failed_deferred()
    {
        var pending = Assert.Throws<InvalidOperationException>(() => DeferredResults.SuccessResultOf(new Deferred<int>()));
        Assert.Contains("not fired", pending.Message, StringComparison.Ordinal);
        var failed = Assert.Throws<InvalidOperationException>(() => DeferredResults.SuccessResultOf(Deferred.Fail<int>(new TimeoutException("late"))));
        Assert.IsType<TimeoutException>(failed.InnerException);
    }

    [Fact]
    public void FailureResultOf_returns_and_handles_the_error()
    {
        var d = Deferred.Fail<int>(new TimeoutException("late"));
        Assert.IsType<TimeoutException>(DeferredResults.FailureResultOf(d));
        // Handled: the chain now carries a value, so nothing is reported as an unhandled failure.
        Assert.Equal(0, DeferredResults.SuccessResultOf(d));
    }

    [Fact]
    public void FailureResultOf_refuses_a_succeeded_or_unfired_deferred()
    {
        var succeeded = Assert.Throws<InvalidOperationException>(() => DeferredResults.FailureResultOf(Deferred.Succeed(7)));
        Assert.Contains("succeeded with 7", succeeded.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => DeferredResults.FailureResultOf(new Deferred<int>()));
    }

    [Fact]
    public void AssertNoResult_passes_only_while_the_deferred_has_not_fired()
    {
        var d = new Deferred<int>();
        DeferredResults.AssertNoResult(d);
        d.Callback(1);
        Assert.Throws<InvalidOperationException>(() => DeferredResults.AssertNoResult(d));
    }
}
