using Microsoft.Extensions.Logging;
using Torsion.Reactor;

namespace Torsion.Hosting;

/// <summary>What a service builder gets: the reactor, the host's logger factory and its service provider.</summary>
/// <param name="Reactor">The reactor the service runs on (its thread is the one calling the builder).</param>
/// <param name="LoggerFactory">The host's logger factory (also the reactor's).</param>
/// <param name="Services">The host's service provider.</param>
public sealed record TorsionServiceContext(IReactor Reactor, ILoggerFactory LoggerFactory, IServiceProvider Services);
