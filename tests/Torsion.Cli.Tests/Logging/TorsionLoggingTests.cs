#pragma warning disable CA1873 // Tests log constants on purpose.
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Torsion.Cli.Logging;

namespace Torsion.Cli.Tests.Logging;

public sealed class TorsionLoggingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Json_format_writes_one_object_per_line_with_time_level_category_message_and_properties()
    {
        var file = Path.Combine(_dir, "torsion.log");
        using (var factory = TorsionLogging.CreateLoggerFactory(new LoggingOptions { Format = LogFormat.Json, File = file }))
        {
            var logger = factory.CreateLogger("Torsion.Web.Site");
            logger.LogInformation("Listening on {Endpoint} with {Backlog} backlog", "tcp:8080", 128);
            logger.LogWarning(new InvalidOperationException("boom"), "Lost {Count} connections", 3);
            logger.LogDebug("Not written at the default level");
        }

        var lines = File.ReadAllLines(file);
        Assert.Equal(2, lines.Length);

        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), out var time));
        Assert.Equal(TimeSpan.Zero, time.Offset);
        Assert.InRange(time, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("Information", root.GetProperty("level").GetString());
        Assert.Equal("Torsion.Web.Site", root.GetProperty("category").GetString());
        Assert.Equal("Listening on tcp:8080 with 128 backlog", root.GetProperty("message").GetString());
        Assert.Equal("tcp:8080", root.GetProperty("properties").GetProperty("Endpoint").GetString());
        Assert.Equal(128, root.GetProperty("properties").GetProperty("Backlog").GetInt32());
        Assert.False(root.TryGetProperty("exception", out _));

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Warning", second.RootElement.GetProperty("level").GetString());
        Assert.Equal(3, second.RootElement.GetProperty("properties").GetProperty("Count").GetInt32());
        Assert.StartsWith("System.InvalidOperationException: boom", second.RootElement.GetProperty("exception").GetString());
    }

    [Fact]
    public void Text_format_is_one_readable_line()
    {
        var file = Path.Combine(_dir, "torsion.log");
        using (var factory = TorsionLogging.CreateLoggerFactory(new LoggingOptions { File = file, MinimumLevel = LogLevel.Debug }))
        {
            var logger = factory.CreateLogger("Torsion.Web.Site");
            logger.LogInformation("Listening on {Endpoint}", "tcp:8080");
            logger.LogDebug("Detail");
            logger.LogTrace("Not written at debug");
        }

        var lines = File.ReadAllLines(file);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  Torsion\.Web\.Site: Listening on tcp:8080$", lines[0]);
        Assert.Matches(@"^\S+Z dbug  Torsion\.Web\.Site: Detail$", lines[1]);
    }

    [Fact]
    public void Log_file_rolls_over_by_size_and_keeps_the_configured_count()
    {
        var file = Path.Combine(_dir, "torsion.log");
        var options = new LoggingOptions { Format = LogFormat.Json, File = file, FileSizeLimitBytes = 2_000, RetainedFileCount = 3 };
        using (var factory = TorsionLogging.CreateLoggerFactory(options))
        {
            var logger = factory.CreateLogger("Torsion.Test");
            for (var i = 0; i < 200; i++)
            {
                logger.LogInformation("Event {Number} with some padding to fill the file faster", i);
            }
        }

        var files = Directory.GetFiles(_dir).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(3, files.Length);
        Assert.All(files, name => Assert.Matches(@"^torsion(_\d{3})?\.log$", name));
        foreach (var path in Directory.GetFiles(_dir))
        {
            // Serilog rolls once the limit is reached, so a file can pass it by the last event.
            Assert.InRange(new FileInfo(path).Length, 1, 2_000 + 300);
            foreach (var line in File.ReadAllLines(path))
            {
                using var _ = JsonDocument.Parse(line);
            }
        }

        // The newest file holds the last event.
        var newest = Directory.GetFiles(_dir).OrderByDescending(File.GetLastWriteTimeUtc).ThenByDescending(p => p, StringComparer.Ordinal).First();
        Assert.Contains("Event 199 ", File.ReadAllText(newest));
    }

    [Fact]
    public void Level_none_logs_nothing()
    {
        using var factory = TorsionLogging.CreateLoggerFactory(new LoggingOptions { MinimumLevel = LogLevel.None, File = Path.Combine(_dir, "x.log") });
        factory.CreateLogger("X").LogCritical("nothing");
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("Warning", LogLevel.Warning)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("critical", LogLevel.Critical)]
    [InlineData("none", LogLevel.None)]
    public void Log_levels_parse_by_name(string text, LogLevel expected) =>
        Assert.Equal(expected, LoggingOptions.ParseLevel(text));

    [Fact]
    public void An_unknown_log_level_names_the_choices()
    {
        var error = Assert.Throws<FormatException>(() => LoggingOptions.ParseLevel("loud"));
        Assert.Equal("unknown log level 'loud' (expected trace, debug, info, warning, error, critical or none)", error.Message);
    }

    [Fact]
    public void An_unknown_log_format_names_the_choices()
    {
        Assert.Equal(LogFormat.Json, LoggingOptions.ParseFormat("JSON"));
        var error = Assert.Throws<FormatException>(() => LoggingOptions.ParseFormat("xml"));
        Assert.Equal("unknown log format 'xml' (expected text or json)", error.Message);
    }
}
