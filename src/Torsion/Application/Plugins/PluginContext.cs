using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Application.Plugins;

/// <summary>
/// What a plugin builds its service from: the reactor, its parsed options, the endpoints to listen on and the
/// logger factory; and helpers that make listening services whose start failures the command reports.
/// </summary>
public sealed class PluginContext
{
    // Asked by WhenStarted, after the service started: a listening service can only say how listening went once started.
    private readonly List<Func<Deferred<Unit>>> _startup = [];

    /// <summary>Creates the context.</summary>
    /// <param name="reactor">The reactor the service runs on.</param>
    /// <param name="options">The plugin's option values.</param>
    /// <param name="listen">The <c>--listen</c> endpoint strings (the plugin's default when none was given).</param>
    /// <param name="loggerFactory">Where the service logs.</param>
    public PluginContext(IReactor reactor, PluginOptionValues options, IReadOnlyList<string> listen, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Reactor = reactor;
        Options = options;
        Listen = listen;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The reactor the service runs on.</summary>
    public IReactor Reactor { get; }

    /// <summary>The plugin's option values, defaults applied.</summary>
    public PluginOptionValues Options { get; }

    /// <summary>The server endpoint strings to listen on: the <c>--listen</c> values, else the plugin's default endpoint.</summary>
    public IReadOnlyList<string> Listen { get; }

    /// <summary>Where the service logs.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// A service listening with <paramref name="factory"/> on every endpoint of <see cref="Listen"/> (one
    /// <see cref="StreamServerEndpointService"/> each); the endpoint strings are parsed now (a bad one throws here),
    /// listening starts with the service and its outcome is reported to <see cref="WhenStarted"/>.
    /// </summary>
    public IService ListenStream(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (Listen.Count == 0)
        {
            throw new PluginOptionException("no endpoint to listen on: give --listen ENDPOINT");
        }

        var root = new MultiService();
        var services = new List<(string Description, StreamServerEndpointService Service)>(Listen.Count);
        foreach (var description in Listen)
        {
            var service = new StreamServerEndpointService(Endpoints.Endpoints.Server(Reactor, description, LoggerFactory), factory);
            service.SetServiceParent(root);
            services.Add((description, service));
        }

        var logger = LoggerFactory.CreateLogger<StreamServerEndpointService>();
        Deferred<Unit>? listening = null;
        _startup.Add(() => listening ??= WhenAllListening(services, logger));
        return root;
    }

    /// <summary>Fires once every service listens, or fails with the first error; later errors are logged.</summary>
    private static Deferred<Unit> WhenAllListening(IReadOnlyList<(string Description, StreamServerEndpointService Service)> services, ILogger logger)
    {
        var all = new Deferred<Unit>();
        var left = services.Count;
        foreach (var (description, service) in services)
        {
            service.WhenListening().AddBoth(result =>
            {
                if (result.Success)
                {
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        logger.LogInformation("Listening on {Endpoint} ({Address})", description, result.Value.Host);
                    }

                    if (--left == 0 && !all.Called)
                    {
                        all.Callback(Unit.Value);
                    }
                }
                else if (!all.Called)
                {
                    all.Errback(result.Error!);
                }
                else
                {
                    logger.LogError(result.Error, "Could not listen on {Endpoint}", description);
                }

                return Unit.Value;
            });
        }

        return all;
    }

    /// <summary>A service that binds UDP <paramref name="port"/> for <paramref name="protocol"/> when started (a bind failure throws from StartService).</summary>
    /// <param name="port">The UDP port.</param>
    /// <param name="protocol">Receives the datagrams.</param>
    /// <param name="interfaceAddress">An IP literal to bind to, or null for all IPv4 interfaces.</param>
    public IService ListenUdp(int port, DatagramProtocol protocol, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        return new UdpListenService(Reactor, port, protocol, interfaceAddress, LoggerFactory.CreateLogger<UdpListenService>());
    }

    /// <summary>Adds a Deferred that fires once some part of the service is up, or fails if it could not start.</summary>
    public void ReportStartup(Deferred<Unit> started)
    {
        ArgumentNullException.ThrowIfNull(started);
        _startup.Add(() => started);
    }

    /// <summary>
    /// Adds a part whose startup outcome can only be asked once the service has started (for example another
    /// context's <see cref="WhenStarted"/>): <paramref name="whenStarted"/> is called by <see cref="WhenStarted"/>.
    /// </summary>
    public void ReportStartup(Func<Deferred<Unit>> whenStarted)
    {
        ArgumentNullException.ThrowIfNull(whenStarted);
        _startup.Add(whenStarted);
    }

    /// <summary>
    /// Fires once every reported part is up; fails with the first failure once all have finished. Call it once the
    /// service has started (the listening services of <see cref="ListenStream"/> are asked then).
    /// </summary>
    public Deferred<Unit> WhenStarted()
    {
        var done = new Deferred<Unit>();
        var pending = _startup.Count + 1;
        Exception? first = null;
        void Finished()
        {
            if (--pending == 0)
            {
                if (first is null)
                {
                    done.Callback(Unit.Value);
                }
                else
                {
                    done.Errback(first);
                }
            }
        }

        foreach (var report in _startup)
        {
            report().AddBoth(result =>
            {
                if (!result.Success)
                {
                    first ??= result.Error;
                }

                Finished();
                return Unit.Value;
            });
        }

        Finished();
        return done;
    }
}
