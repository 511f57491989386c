using Torsion.Defer;

namespace Torsion.Tests.Tasks;

/// <summary>Reads the result of a Deferred that a test expects to have fired: the value, or its failure thrown.</summary>
internal static class Fired
{
    public static T Value<T>(Deferred<T> d)
    {
        Assert.True(d.GetAwaiter().IsCompleted, $"{d} has not fired");
        return d.GetAwaiter().GetResult();
    }
}
