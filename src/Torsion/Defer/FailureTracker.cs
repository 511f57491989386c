using Microsoft.Extensions.Logging;

namespace Torsion.Defer;

/// <summary>
/// The only finalizable part of a Deferred, attached only while its chain rests on an unhandled failure: when the
/// Deferred is collected in that state the finalizer logs the failure once, with its stack.
/// </summary>
internal sealed class FailureTracker(Exception error, string deferredType)
{
    private static readonly Action<ILogger, string, Exception?> s_log = LoggerMessage.Define<string>(
        LogLevel.Error,
        new EventId(1, "UnhandledDeferredFailure"),
        "Unhandled error in {Deferred}: the failure was never handled (no errback consumed it, nobody awaited it) before the Deferred was garbage-collected.");

    public Exception Error { get; set; } = error;

    ~FailureTracker()
    {
        try
        {
            s_log(DeferredLogging.LoggerFactory.CreateLogger(DeferredLogging.Category), deferredType, Error);
        }
        catch (Exception)
        {
            // A finalizer must not throw; a broken logger has nowhere else to report.
        }
    }

    /// <summary>The failure was handled: never log it.</summary>
    public void Dismiss() => GC.SuppressFinalize(this);
}
