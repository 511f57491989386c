using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting;
using Serilog.Templates;

namespace Torsion.Cli.Logging;

/// <summary>
/// Builds the <see cref="ILoggerFactory"/> of the <c>torsion</c> command from its <c>--log-*</c> options.
/// Serilog does the work behind Microsoft.Extensions.Logging: Serilog.Sinks.Console for standard error,
/// Serilog.Sinks.File for a file rolled over by size, Serilog.Expressions for the JSON lines.
/// </summary>
public static class TorsionLogging
{
    // One JSON object per line; rest() holds the structured properties not named elsewhere.
    private const string JsonTemplate =
        "{ {time: UtcDateTime(@t), level: @l, category: SourceContext, message: @m, exception: @x, properties: rest()} }\n";

    /// <summary>A logger factory per <paramref name="options"/>; disposing it flushes and closes the log file.</summary>
    public static ILoggerFactory CreateLoggerFactory(LoggingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinimumLevel == LogLevel.None)
        {
            return NullLoggerFactory.Instance;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.FileSizeLimitBytes, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RetainedFileCount, 1, nameof(options));
        ITextFormatter formatter = options.Format == LogFormat.Json
            ? new ExpressionTemplate(JsonTemplate, System.Globalization.CultureInfo.InvariantCulture)
            : new TextLogFormatter();
        var configuration = new LoggerConfiguration().MinimumLevel.Is(ToSerilog(options.MinimumLevel));
        if (options.File is { } path)
        {
            configuration = configuration.WriteTo.File(
                formatter,
                path,
                fileSizeLimitBytes: options.FileSizeLimitBytes,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFileCount);
        }
        else
        {
            configuration = configuration.WriteTo.Console(formatter, standardErrorFromLevel: LogEventLevel.Verbose);
        }

        return new SerilogLoggerFactory(configuration.CreateLogger(), dispose: true);
    }

    private static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Trace => LogEventLevel.Verbose,
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Information => LogEventLevel.Information,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };
}
