using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Application.Plugins;

/// <summary>
/// Listens on several server endpoints while running (twisted.application.internet.StreamServerEndpointService for
/// many endpoints). The endpoint strings are parsed at construction; <see cref="WhenListening"/> fires once every
/// endpoint listens, or fails with the first error.
/// </summary>
internal sealed class StreamListenService : Service
{
    private readonly IReadOnlyList<(string Description, IStreamServerEndpoint Endpoint)> _endpoints;
    private readonly IProtocolFactory _factory;
    private readonly ILogger _logger;
    private readonly List<IListeningPort> _ports = [];
    private readonly List<Deferred<IListeningPort>> _pending = [];

    public StreamListenService(IReactor reactor, IReadOnlyList<string> descriptions, IProtocolFactory factory, ILogger logger)
    {
        if (descriptions.Count == 0)
        {
            throw new PluginOptionException("no endpoint to listen on: give --listen ENDPOINT");
        }

        _endpoints = descriptions.Select(d => (d, Endpoints.Endpoints.Server(reactor, d))).ToArray();
        _factory = factory;
        _logger = logger;
    }

    public Deferred<Unit> WhenListening { get; } = new();

    public override void StartService()
    {
        base.StartService();
        var left = _endpoints.Count;
        foreach (var (description, endpoint) in _endpoints)
        {
            Deferred<IListeningPort> listening;
            try
            {
                listening = endpoint.Listen(_factory);
            }
            catch (Exception e)
            {
                listening = Deferred.Fail<IListeningPort>(e);
            }

            _pending.Add(listening);
            listening.AddBoth(result =>
            {
                _pending.Remove(listening);
                if (result.Success)
                {
                    if (Running)
                    {
                        _ports.Add(result.Value);
                        if (_logger.IsEnabled(LogLevel.Information))
                        {
                            _logger.LogInformation("Listening on {Endpoint} ({Address})", description, result.Value.Host);
                        }
                    }
                    else
                    {
                        result.Value.StopListening();
                    }

                    if (--left == 0 && !WhenListening.Called)
                    {
                        WhenListening.Callback(Unit.Value);
                    }
                }
                else if (!WhenListening.Called)
                {
                    WhenListening.Errback(result.Error!);
                }
                else
                {
                    _logger.LogError(result.Error, "Could not listen on {Endpoint}", description);
                }

                return Unit.Value;
            });
        }
    }

    public override Deferred<Unit> StopService()
    {
        base.StopService();
        foreach (var pending in _pending.ToArray())
        {
            pending.Cancel();
        }

        var stops = _ports.Select(p => p.StopListening()).ToArray();
        _ports.Clear();
        return Deferred.Gather(stops).AddCallback(_ => Unit.Value);
    }
}
