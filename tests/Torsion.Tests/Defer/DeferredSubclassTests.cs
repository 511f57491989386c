using Torsion.Defer;

namespace Torsion.Tests.Defer;

public sealed class DeferredSubclassTests
{
    [Fact]
    public void Deriving_from_Deferred_outside_Torsion_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new MyDeferred());

        Assert.Equal("MyDeferred derives from Deferred<int>, which is not meant to be subclassed: wrap a Deferred instead.", error.Message);
    }

    [Fact]
    public async Task An_async_Deferred_method_that_suspends_returns_one_Deferred_that_is_cancellable()
    {
        var source = new Deferred<int>();
        async Deferred<int> Plus(Deferred<int> d) => await d + 1;

        var method = Plus(source);
        method.Cancel();

        Assert.True(source.Called);
        await Assert.ThrowsAsync<CancelledException>(() => method.AsTask());
    }

    private sealed class MyDeferred : Deferred<int>;
}
