using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Torsion.Application.Plugins;
using Torsion.Cli.Logging;

namespace Torsion.Cli;

/// <summary>
/// Turns an <see cref="ITorsionPlugin"/> into the subcommand <c>torsion NAME</c>: the common options
/// (<c>--listen</c>, <c>--log-format</c>, <c>--log-level</c>, <c>--log-file</c>, <c>--pidfile</c>,
/// <c>--shutdown-timeout</c>) and the plugin's own, with their defaults shown in the help.
/// </summary>
internal static class PluginCommand
{
    public const double DefaultShutdownTimeoutSeconds = 5;

    private static readonly string[] CommonNames = ["listen", "log-format", "log-level", "log-file", "pidfile", "shutdown-timeout", "help"];

    public static Command Create(ITorsionPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        var listen = new Option<string[]>("--listen")
        {
            Description = "An endpoint to listen on, e.g. tcp:8080 or tcp:8080:interface=127.0.0.1 (repeatable).",
            HelpName = "ENDPOINT",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        if (plugin.DefaultEndpoint is { } defaultEndpoint)
        {
            listen.DefaultValueFactory = _ => [defaultEndpoint];
        }

        var logFormat = new Option<string>("--log-format")
        {
            Description = "Log lines as text or as one JSON object per line.",
            HelpName = "text|json",
            DefaultValueFactory = _ => "text",
        };
        var logLevel = new Option<string>("--log-level")
        {
            Description = "The lowest level logged: trace, debug, info, warning, error, critical or none (debug also prints stack traces of errors).",
            HelpName = "LEVEL",
            DefaultValueFactory = _ => "info",
        };
        var logFile = new Option<string?>("--log-file")
        {
            Description = "Log to this file instead of standard error; rolled over at 10 MiB, 10 files kept.",
            HelpName = "PATH",
        };
        var pidFile = new Option<string?>("--pidfile")
        {
            Description = "Write the process id here; refuses to start if it names a running process; removed on exit.",
            HelpName = "PATH",
        };
        var shutdownTimeout = new Option<double>("--shutdown-timeout")
        {
            Description = "Seconds that open connections get to finish after SIGINT/SIGTERM before they are aborted.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultShutdownTimeoutSeconds,
        };
        var command = new Command(plugin.Name, plugin.Description) { listen, logFormat, logLevel, logFile, pidFile, shutdownTimeout };

        var own = new List<(PluginOption Plugin, Option Option)>();
        foreach (var option in plugin.Options)
        {
            if (CommonNames.Contains(option.Name))
            {
                throw new InvalidOperationException($"Plugin '{plugin.Name}' declares --{option.Name}, which is a common option of every plugin.");
            }

            Option cli;
            if (option.IsFlag)
            {
                cli = new Option<bool>("--" + option.Name) { Description = option.Description };
            }
            else
            {
                var valued = new Option<string?>("--" + option.Name)
                {
                    Description = option.Description,
                    HelpName = option.ValueName,
                    Required = option.Required,
                };
                if (option.DefaultValue is { } value)
                {
                    valued.DefaultValueFactory = _ => value;
                }

                cli = valued;
            }

            command.Options.Add(cli);
            own.Add((option, cli));
        }

        command.SetAction(result =>
        {
            var levelText = result.GetValue(logLevel)!;
            var debug = false;
            try
            {
                var level = LoggingOptions.ParseLevel(levelText);
                debug = level <= LogLevel.Debug;
                var given = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var (option, cli) in own)
                {
                    given[option.Name] = cli switch
                    {
                        Option<bool> flag => result.GetValue(flag) ? "true" : null,
                        Option<string?> valued => result.GetValue(valued),
                        _ => null,
                    };
                }

                var seconds = result.GetValue(shutdownTimeout);
                if (!double.IsFinite(seconds) || seconds < 0)
                {
                    throw new PluginOptionException($"--shutdown-timeout: {seconds.ToString(CultureInfo.InvariantCulture)} is not a number of seconds >= 0");
                }

                var settings = new RunSettings
                {
                    Listen = result.GetValue(listen) ?? [],
                    Logging = new LoggingOptions
                    {
                        Format = LoggingOptions.ParseFormat(result.GetValue(logFormat)!),
                        MinimumLevel = level,
                        File = result.GetValue(logFile),
                    },
                    PidFile = result.GetValue(pidFile),
                    ShutdownTimeout = TimeSpan.FromSeconds(seconds),
                    PluginOptions = given,
                };
                return PluginRunner.Run(plugin, settings);
            }
            catch (Exception e)
            {
                return PluginRunner.Fail(e, debug);
            }
        });
        return command;
    }
}
