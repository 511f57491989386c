using Torsion.Defer;

namespace Torsion.Tests.Defer;

/// <summary>Reads the result of a Deferred that has already fired (without awaiting it).</summary>
internal static class Fired
{
    public static T Value<T>(Deferred<T> deferred)
    {
        Assert.True(deferred.Called, "the Deferred has not fired");
        var seen = false;
        DeferredResult<T> result = default;
        deferred.AddBoth(r => { seen = true; result = r; });
        Assert.True(seen, "the Deferred is waiting on another Deferred");
        return result.Success ? result.Value : throw new InvalidOperationException("The Deferred failed.", result.Error);
    }
}
