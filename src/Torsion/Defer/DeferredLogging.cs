using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Torsion.Defer;

/// <summary>
/// Where Deferreds log failures nobody handled. A Deferred collected by the GC while holding an unhandled failure
/// logs it from the finalizer thread, which has no other context: this is Torsion's one settable static.
/// </summary>
public static class DeferredLogging
{
    /// <summary>The category of the log entries: <c>Torsion.Defer.Deferred</c>.</summary>
    public const string Category = "Torsion.Defer.Deferred";

    private static volatile ILoggerFactory s_loggerFactory = NullLoggerFactory.Instance;

    /// <summary>The logger factory for unhandled Deferred failures (default <see cref="NullLoggerFactory"/>; null restores it).</summary>
    public static ILoggerFactory LoggerFactory
    {
        get => s_loggerFactory;
        set => s_loggerFactory = value ?? NullLoggerFactory.Instance;
    }
}
