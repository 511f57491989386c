using Microsoft.Extensions.Logging;

namespace Torsion.Data;

/// <summary>The pool's log messages.</summary>
internal static partial class ConnectionPoolLog
{
    [LoggerMessage(1, LogLevel.Warning, "Database connection of worker {Worker} was lost ({Error}); it is closed and a new one is opened for the next work")]
    public static partial void ConnectionLost(ILogger logger, int worker, string error);

    [LoggerMessage(2, LogLevel.Warning, "Opening a database connection on worker {Worker} failed; the next work tries again")]
    public static partial void OpenFailed(ILogger logger, int worker, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "{What} failed on worker {Worker}")]
    public static partial void CleanupFailed(ILogger logger, string what, int worker, Exception exception);
}
