using Microsoft.Extensions.Logging;

namespace Torsion.Cli.Logging;

/// <summary>What <see cref="TorsionLogging.CreateLoggerFactory"/> builds: the <c>--log-*</c> options of the <c>torsion</c> command.</summary>
public sealed class LoggingOptions
{
    /// <summary>Text or JSON lines. Default text.</summary>
    public LogFormat Format { get; init; } = LogFormat.Text;

    /// <summary>Events below this level are dropped. Default <see cref="LogLevel.Information"/>; <see cref="LogLevel.None"/> logs nothing.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>A file to log to instead of standard error, or null.</summary>
    public string? File { get; init; }

    /// <summary>Size at which the log file is rolled over to <c>NAME_001.EXT</c>, <c>NAME_002.EXT</c>... Default 10 MiB.</summary>
    public long FileSizeLimitBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>How many log files (the current one included) are kept; older ones are deleted. Default 10.</summary>
    public int RetainedFileCount { get; init; } = 10;

    /// <summary>
    /// Reads a <c>--log-level</c> value: <c>trace</c>, <c>debug</c>, <c>info</c>/<c>information</c>,
    /// <c>warn</c>/<c>warning</c>, <c>error</c>, <c>critical</c>, <c>none</c> (any case).
    /// </summary>
    /// <exception cref="FormatException">The value is none of those; the message lists them.</exception>
    public static LogLevel ParseLevel(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToUpperInvariant() switch
        {
            "TRACE" => LogLevel.Trace,
            "DEBUG" => LogLevel.Debug,
            "INFO" or "INFORMATION" => LogLevel.Information,
            "WARN" or "WARNING" => LogLevel.Warning,
            "ERROR" => LogLevel.Error,
            "CRITICAL" => LogLevel.Critical,
            "NONE" => LogLevel.None,
            _ => throw new FormatException(
                $"unknown log level '{value}' (expected trace, debug, info, warning, error, critical or none)"),
        };
    }

    /// <summary>Reads a <c>--log-format</c> value: <c>text</c> or <c>json</c> (any case).</summary>
    /// <exception cref="FormatException">The value is neither.</exception>
    public static LogFormat ParseFormat(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToUpperInvariant() switch
        {
            "TEXT" => LogFormat.Text,
            "JSON" => LogFormat.Json,
            _ => throw new FormatException($"unknown log format '{value}' (expected text or json)"),
        };
    }
}
