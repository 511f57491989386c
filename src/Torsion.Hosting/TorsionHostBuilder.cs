using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Reactor;

namespace Torsion.Hosting;

/// <summary>What <see cref="TorsionServiceCollectionExtensions.AddTorsion"/> configures: the reactor and the Torsion services to run.</summary>
public sealed class TorsionHostBuilder
{
    private readonly List<Func<TorsionServiceContext, IService>> _services = [];

    /// <summary>The reactor kind; null: <see cref="ReactorFactory.DefaultKind"/>.</summary>
    public ReactorKind? ReactorKind { get; set; }

    /// <summary>How long a stop lets open connections finish before aborting them (default 5 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The services' builders, in start order.</summary>
    internal IReadOnlyList<Func<TorsionServiceContext, IService>> Services => _services;

    /// <summary>Adds a service, built on the reactor thread when the host starts; services start in the order added and stop in reverse.</summary>
    public TorsionHostBuilder AddService(Func<TorsionServiceContext, IService> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        _services.Add(build);
        return this;
    }
}
