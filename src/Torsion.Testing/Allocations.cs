namespace Torsion.Testing;

/// <summary>
/// Managed bytes allocated on the calling thread by a piece of code, for tests that hold a hot path to zero
/// allocations. A single measurement can pick up one-off allocations that are not the code's own (the shared
/// ArrayPool refilling a buffer the GC trimmed under memory pressure from tests running in parallel, the runtime
/// loading a type); a real per-call allocation shows in every window, so the least of several windows is the figure.
/// </summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="action"/> once to warm it up, then <paramref name="windows"/> more times, and returns the
    /// least number of bytes one run allocated on the calling thread.
    /// </summary>
    /// <param name="action">The code to measure; it runs <paramref name="windows"/> + 1 times.</param>
    /// <param name="windows">How many measured runs (at least 1; 3 by default).</param>
    public static long LeastAllocatedBytes(Action action, int windows = 3)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);
        action();
        var least = long.MaxValue;
        for (var w = 0; w < windows; w++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
