using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Tasks;

/// <summary>
/// The entry point of a program built on a reactor (Twisted's <c>task.react</c>): runs a main function on a running
/// reactor, stops the reactor when main's Deferred fires, and returns the process exit code.
/// </summary>
/// <example>
/// <code>
/// public static int Main(string[] args) => ReactorProgram.React(async reactor =>
/// {
///     await reactor.DeferLater(TimeSpan.FromSeconds(1));
///     return 0;
/// });
/// </code>
/// </example>
public static class ReactorProgram
{
    /// <summary>
    /// Creates the default reactor (<see cref="ReactorFactory.Create"/>), calls <paramref name="main"/> once it runs,
    /// stops it when main's Deferred fires and returns the exit code: main's value on success; 1 when main throws, its
    /// Deferred fails, or the reactor stops (SIGINT, <c>Stop</c>) before main finished (main's Deferred is then
    /// cancelled). A failure is logged to <paramref name="logger"/>, or written to standard error without one.
    /// </summary>
    public static int React(Func<IReactor, Deferred<int>> main, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        using var reactor = ReactorFactory.Create();
        return React(reactor, main, logger);
    }

    /// <summary>As <see cref="React(Func{IReactor, Deferred{int}}, ILogger?)"/>, passing <paramref name="args"/> to main.</summary>
    public static int React(Func<IReactor, string[], Deferred<int>> main, string[]? args, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        var arguments = args ?? [];
        return React(reactor => main(reactor, arguments), logger);
    }

    /// <summary>
    /// As <see cref="React(Func{IReactor, Deferred{int}}, ILogger?)"/> on a reactor the caller made (and disposes);
    /// it must not have run yet and must have been made on the calling thread.
    /// </summary>
    public static int React(IReactor reactor, Func<IReactor, Deferred<int>> main, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(main);
        var exitCode = 1;
        var finished = false;
        var stopping = false;
        Deferred<int>? result = null;
        reactor.AddSystemEventTrigger(SystemEventPhase.Before, SystemEventType.Shutdown, () =>
        {
            stopping = true;
            if (!finished && result is not null)
            {
                // Stopped from outside (a signal, someone's Stop): let main clean up through cancellation.
                Report(logger, new OperationCanceledException("The reactor stopped before main's Deferred fired; it was cancelled."));
                finished = true;
                result.Cancel();
            }
        });
        reactor.CallWhenRunning(() =>
        {
            try
            {
                result = main(reactor) ?? throw new InvalidOperationException("main returned a null Deferred<int>; return a Deferred (Deferred.Succeed(0) for an immediate exit code).");
            }
            catch (Exception error)
            {
                result = Deferred.Fail<int>(error);
            }

            result.AddBoth(outcome =>
            {
                if (!finished)
                {
                    finished = true;
                    if (outcome.Success)
                    {
                        exitCode = outcome.Value;
                    }
                    else
                    {
                        Report(logger, outcome.Error!);
                    }

                    // Stop on a later turn, as Twisted does: main may have finished inside the startup event.
                    reactor.CallLater(TimeSpan.Zero, () =>
                    {
                        if (!stopping)
                        {
                            reactor.Stop();
                        }
                    });
                }

                return outcome.Success ? outcome.Value : 1; // the failure is reported above: handled
            });
        });
        reactor.Run();
        return finished ? exitCode : 1;
    }

    private static void Report(ILogger? logger, Exception error)
    {
        if (logger is not null)
        {
            logger.LogError(error, "main failed: {Message}", error.Message);
        }
        else
        {
            Console.Error.WriteLine($"main failed: {error}");
        }
    }
}
