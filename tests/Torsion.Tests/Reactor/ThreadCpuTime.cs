using System.Runtime.InteropServices;

namespace Torsion.Tests.Reactor;

/// <summary>The CPU time the calling thread has used (clock_gettime with CLOCK_THREAD_CPUTIME_ID).</summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static TimeSpan Current()
    {
        if (clock_gettime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / 100));
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
