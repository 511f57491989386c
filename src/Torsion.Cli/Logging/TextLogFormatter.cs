using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Torsion.Cli.Logging;

/// <summary>Writes <c>2026-11-25T22:50:01.123Z info  Torsion.Web.Site: message</c>, then the exception on the following lines.</summary>
internal sealed class TextLogFormatter : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        output.Write(' ');
        output.Write(ShortLevel(logEvent.Level));
        output.Write(' ');
        if (logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string category })
        {
            output.Write(category);
            output.Write(": ");
        }

        RenderMessage(logEvent, output);
        output.Write('\n');
        if (logEvent.Exception is { } exception)
        {
            output.Write(exception.ToString());
            output.Write('\n');
        }
    }

    // As Microsoft.Extensions.Logging renders it: string values without the quotes Serilog adds.
    private static void RenderMessage(LogEvent logEvent, TextWriter output)
    {
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property
                && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: string text })
            {
                output.Write(text);
            }
            else
            {
                token.Render(logEvent.Properties, output, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>The level names of Microsoft.Extensions.Logging's console, padded to one width.</summary>
    internal static string ShortLevel(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trce ",
        LogEventLevel.Debug => "dbug ",
        LogEventLevel.Information => "info ",
        LogEventLevel.Warning => "warn ",
        LogEventLevel.Error => "fail ",
        _ => "crit ",
    };
}
