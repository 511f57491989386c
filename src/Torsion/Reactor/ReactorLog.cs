using Microsoft.Extensions.Logging;

namespace Torsion.Reactor;

/// <summary>The reactor's log messages, generated so that logging costs nothing when it is off.</summary>
internal static partial class ReactorLog
{
    [LoggerMessage(1, LogLevel.Error, "{Descriptor} failed and is closed; the reactor goes on")]
    public static partial void DescriptorFailed(ILogger logger, string descriptor, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "{Where} threw; the reactor goes on")]
    public static partial void CallbackFailed(ILogger logger, string where, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Out of file descriptors accepting on {Host} ({Error}): accepting pauses for {DelayMs} ms")]
    public static partial void AcceptPaused(ILogger logger, string host, string error, int delayMs);

    [LoggerMessage(4, LogLevel.Error, "Accepting on {Host} failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string host, string error);

    [LoggerMessage(5, LogLevel.Warning, "{Count} connections did not finish within the shutdown timeout of {TimeoutMs} ms and are aborted")]
    public static partial void ShutdownAborting(ILogger logger, int count, int timeoutMs);

    [LoggerMessage(6, LogLevel.Warning, "{Count} thread pool threads were still running work {TimeoutMs} ms after the reactor stopped; they are left to finish on their own")]
    public static partial void ThreadPoolBusy(ILogger logger, int count, int timeoutMs);
}
