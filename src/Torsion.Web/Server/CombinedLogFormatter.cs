using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Web.Http;

namespace Torsion.Web.Server;

/// <summary>
/// Writes one line per request in the NCSA combined log format (as Apache, nginx and twisted.web):
/// <c>host - - [25/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 13 "referer" "user-agent"</c>, to a
/// <see cref="TextWriter"/> or an <see cref="ILogger"/>. Quotes, backslashes and control bytes in the request
/// line and headers are escaped (\", \\, \xHH) so a client cannot forge log lines.
/// </summary>
public sealed partial class CombinedLogFormatter : IHttpAccessLog
{
    private readonly TextWriter? _writer;
    private readonly ILogger? _logger;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();

    /// <summary>Writes lines to <paramref name="writer"/> (flushed per line; safe from several reactors).</summary>
    public CombinedLogFormatter(TextWriter writer, TimeProvider? clock = null)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Logs lines at Information level to <paramref name="logger"/>.</summary>
    public CombinedLogFormatter(ILogger logger, TimeProvider? clock = null)
    {
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _clock = clock ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public void Log(HttpServerRequest request, int statusCode, long bodyBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_writer is not null)
        {
            var line = Format(request, statusCode, bodyBytes, _clock.GetUtcNow());
            lock (_lock)
            {
                _writer.WriteLine(line);
                _writer.Flush();
            }
        }
        else if (_logger!.IsEnabled(LogLevel.Information))
        {
            var line = Format(request, statusCode, bodyBytes, _clock.GetUtcNow());
            AccessLogged(_logger, line);
        }
    }

    /// <summary>The combined-format line of one request.</summary>
    public static string Format(HttpServerRequest request, int statusCode, long bodyBytes, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(request);
        var head = request.Head;
        var host = request.Peer is IPEndPoint ip ? ip.Address.ToString() : request.Peer.ToString();
        var sb = new StringBuilder(160);
        sb.Append(host).Append(" - - [").Append(time.ToUniversalTime().ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("] \"");
        Escape(sb, head.Method);
        sb.Append(' ');
        Escape(sb, head.Target);
        sb.Append(head.Version switch { HttpProtocolVersion.Http10 => " HTTP/1.0\" ", HttpProtocolVersion.Http2 => " HTTP/2.0\" ", _ => " HTTP/1.1\" " });
        sb.Append(statusCode.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(bodyBytes > 0 ? bodyBytes.ToString(CultureInfo.InvariantCulture) : "-").Append(" \"");
        if (head.TryGetHeader(KnownHeader.Referer, out var referer))
        {
            Escape(sb, referer);
        }
        else
        {
            sb.Append('-');
        }

        sb.Append("\" \"");
        if (head.TryGetHeader(KnownHeader.UserAgent, out var agent))
        {
            Escape(sb, agent);
        }
        else
        {
            sb.Append('-');
        }

        return sb.Append('"').ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{AccessLogLine}")]
    private static partial void AccessLogged(ILogger logger, string accessLogLine);

    private static void Escape(StringBuilder sb, ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b == '"' || b == '\\')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b < 0x20 || b >= 0x7F)
            {
                sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }
    }
}
