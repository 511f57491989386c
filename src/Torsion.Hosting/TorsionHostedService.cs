using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Hosting;

/// <summary>
/// Runs the reactor on a thread of its own while the host runs: on start, the services are built and started on the
/// reactor thread; on stop, they are stopped (their Deferreds awaited), then the reactor stops (letting connections
/// finish within the shutdown timeout) and its thread ends.
/// </summary>
internal sealed partial class TorsionHostedService(TorsionHostBuilder builder, ILoggerFactory loggerFactory, IServiceProvider provider)
    : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<TorsionHostedService>();
    private readonly MultiService _root = new();
    private ReactorBase? _reactor;
    private Thread? _thread;
    private TaskCompletionSource? _exited;

    /// <summary>The reactor, once started.</summary>
    public IReactor? Reactor => _reactor;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var reactor = ReactorFactory.Create(builder.ReactorKind, new ReactorOptions
        {
            LoggerFactory = loggerFactory,
            ShutdownTimeout = builder.ShutdownTimeout,
        });
        _reactor = reactor;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _exited = exited;
        reactor.CallWhenRunning(() =>
        {
            try
            {
                var context = new TorsionServiceContext(reactor, loggerFactory, provider);
                foreach (var build in builder.Services)
                {
                    build(context).SetServiceParent(_root);
                }

                _root.StartService();
                started.TrySetResult();
            }
            catch (Exception e)
            {
                started.TrySetException(e);
                reactor.Stop();
            }
        });
        _thread = new Thread(() =>
        {
            try
            {
                reactor.Run();
                started.TrySetException(new InvalidOperationException("The Torsion reactor stopped before its services started."));
                exited.TrySetResult();
            }
            catch (Exception e)
            {
                ReactorFailed(_logger, e);
                started.TrySetException(e);
                exited.TrySetException(e);
            }
        })
        {
            Name = "Torsion reactor",
            IsBackground = true,
        };
        _thread.Start();
        return started.Task.WaitAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reactor is not { } reactor || _exited is not { } exited)
        {
            return;
        }

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            reactor.CallFromThread(() =>
            {
                var stopping = _root.Running ? _root.StopService() : Deferred.Succeed();
                stopping.AddBoth(result =>
                {
                    if (!result.Success)
                    {
                        ServicesFailedToStop(_logger, result.Error!);
                    }

                    stopped.TrySetResult();
                    try
                    {
                        reactor.Stop();
                    }
                    catch (InvalidOperationException)
                    {
                        // Stopping already (a failed start stopped it).
                    }

                    return Unit.Value;
                });
            });
        }
        catch (InvalidOperationException)
        {
            stopped.TrySetResult(); // the reactor has ended already
        }

        await stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _reactor?.Dispose();

    [LoggerMessage(Level = LogLevel.Critical, Message = "The Torsion reactor failed")]
    private static partial void ReactorFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Torsion services failed to stop cleanly")]
    private static partial void ServicesFailedToStop(ILogger logger, Exception error);
}
