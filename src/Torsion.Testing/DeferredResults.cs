using Torsion.Defer;

namespace Torsion.Testing;

/// <summary>
/// What a Deferred has already fired with, for tests that drive protocols synchronously (StringTransport, Clock,
/// MemoryReactor): Twisted trial's <c>successResultOf</c>, <c>failureResultOf</c> and <c>assertNoResult</c>.
/// Each throws <see cref="InvalidOperationException"/> (a failed test) when the Deferred is not in the expected state.
/// </summary>
public static class DeferredResults
{
    /// <summary>The value <paramref name="deferred"/> has fired with; throws if it has not fired or has failed.</summary>
    public static T SuccessResultOf<T>(Deferred<T> deferred)
    {
        ArgumentNullException.ThrowIfNull(deferred);
        if (!deferred.Called)
        {
            throw new InvalidOperationException("The Deferred has not fired.");
        }

        T? value = default;
        Exception? error = null;
        var seen = false;
        deferred.AddBoth(r =>
        {
            seen = true;
            if (r.Success)
            {
                value = r.Value;
            }
            else
            {
                error = r.Error;
            }
        });
        if (!seen)
        {
            throw new InvalidOperationException("The Deferred has fired but waits on another Deferred.");
        }

        return error is null ? value! : throw new InvalidOperationException($"The Deferred failed: {error}", error);
    }

    /// <summary>
    /// The error <paramref name="deferred"/> has failed with (the failure is handled here, so it is not reported as
    /// unhandled); throws if it has not fired or has succeeded.
    /// </summary>
    public static Exception FailureResultOf<T>(Deferred<T> deferred)
    {
        ArgumentNullException.ThrowIfNull(deferred);
        if (!deferred.Called)
        {
            throw new InvalidOperationException("The Deferred has not fired.");
        }

        Exception? error = null;
        var succeeded = false;
        T? value = default;
        deferred.AddErrback(e =>
        {
            error = e;
            return default(T)!;
        });
        if (error is null)
        {
            deferred.AddCallback(v =>
            {
                succeeded = true;
                value = v;
                return v;
            });
        }

        return error ?? throw new InvalidOperationException(succeeded ? $"The Deferred succeeded with {value} instead of failing." : "The Deferred has fired but waits on another Deferred.");
    }

    /// <summary>Throws if <paramref name="deferred"/> has fired.</summary>
    public static void AssertNoResult<T>(Deferred<T> deferred)
    {
        ArgumentNullException.ThrowIfNull(deferred);
        if (deferred.Called)
        {
            throw new InvalidOperationException("The Deferred has fired, and a test expected it not to have.");
        }
    }
}
