using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Cli.Logging;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Cli;

/// <summary>
/// Runs one plugin's service on a reactor until SIGINT or SIGTERM: logging, pidfile, start (a failure to listen ends
/// the run with exit code 1), and on a signal a clean stop: the service stops (listening ends), then open connections
/// get <see cref="RunSettings.ShutdownTimeout"/> to finish before the reactor aborts them, then exit code 0.
/// </summary>
internal static class PluginRunner
{
    public static int Run(ITorsionPlugin plugin, RunSettings settings)
    {
        var debug = settings.Logging.MinimumLevel <= LogLevel.Debug;
        ILoggerFactory loggerFactory;
        try
        {
            loggerFactory = TorsionLogging.CreateLoggerFactory(settings.Logging);
        }
        catch (Exception e)
        {
            return Fail(new InvalidOperationException($"cannot log to {settings.Logging.File}: {e.Message}", e), debug);
        }

        using (loggerFactory)
        {
            var logger = loggerFactory.CreateLogger("Torsion.Cli");
            PidFile? pidFile = null;
            try
            {
                if (settings.PidFile is { } path)
                {
                    pidFile = PidFile.Acquire(path);
                }

                return RunReactor(plugin, settings, loggerFactory, logger);
            }
            catch (Exception e)
            {
                return Fail(e, debug);
            }
            finally
            {
                pidFile?.Dispose();
            }
        }
    }

    /// <summary>Prints <c>torsion: error: MESSAGE</c> (and the stack trace when <paramref name="debug"/>) on stderr; returns 1.</summary>
    public static int Fail(Exception error, bool debug)
    {
        Console.Error.WriteLine($"torsion: error: {OneLine(error.Message)}");
        if (debug)
        {
            Console.Error.WriteLine(error.ToString());
        }

        return 1;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static int RunReactor(ITorsionPlugin plugin, RunSettings settings, ILoggerFactory loggerFactory, ILogger logger)
    {
        using var reactor = ReactorFactory.Create(options: new ReactorOptions
        {
            LoggerFactory = loggerFactory,
            ShutdownTimeout = settings.ShutdownTimeout,
        });
        var listen = settings.Listen.Count > 0
            ? settings.Listen
            : plugin.DefaultEndpoint is { } endpoint ? [endpoint] : [];
        var context = new PluginContext(reactor, new PluginOptionValues(plugin.Options, settings.PluginOptions), listen, loggerFactory);
        var service = plugin.BuildService(context);

        Exception? startupError = null;
        var stopRequested = 0;
        void RequestStop(string why)
        {
            if (Interlocked.Exchange(ref stopRequested, 1) == 1)
            {
                return;
            }

            CliLog.Stopping(logger, why);
            try
            {
                reactor.Stop();
            }
            catch (InvalidOperationException)
            {
                // Not running yet (the start checks stopRequested) or stopping already.
            }
        }

        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            RequestStop(signal.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT");
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        reactor.AddSystemEventTrigger(SystemEventPhase.Before, SystemEventType.Shutdown,
            () => service.Running ? service.StopService() : (Deferred<Unit>?)null);
        reactor.CallWhenRunning(() =>
        {
            if (Volatile.Read(ref stopRequested) == 1)
            {
                reactor.Stop();
                return;
            }

            try
            {
                service.StartService();
            }
            catch (Exception e)
            {
                startupError = e;
                Interlocked.Exchange(ref stopRequested, 1);
                reactor.Stop();
                return;
            }

            context.WhenStarted().AddBoth(result =>
            {
                if (!result.Success)
                {
                    startupError = result.Error;
                    if (Interlocked.Exchange(ref stopRequested, 1) == 0)
                    {
                        reactor.Stop();
                    }
                }
                else
                {
                    CliLog.Started(logger, plugin.Name, Environment.ProcessId);
                }

                return Unit.Value;
            });
        });

        reactor.Run();
        if (startupError is not null)
        {
            return Fail(startupError, settings.Logging.MinimumLevel <= LogLevel.Debug);
        }

        CliLog.Stopped(logger, plugin.Name);
        return 0;
    }
}
