using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Torsion.Hosting;

/// <summary>Adds Torsion to a Generic Host or an ASP.NET Core app.</summary>
public static class TorsionServiceCollectionExtensions
{
    /// <summary>
    /// Runs a Torsion reactor on its own thread and the services <paramref name="configure"/> adds, started when the
    /// host starts and stopped (their Deferreds awaited) when it stops. The reactor logs through the host's
    /// <see cref="ILoggerFactory"/>.
    /// </summary>
    public static IServiceCollection AddTorsion(this IServiceCollection services, Action<TorsionHostBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new TorsionHostBuilder();
        configure(builder);
        services.AddSingleton<IHostedService>(provider => new TorsionHostedService(
            builder,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            provider));
        return services;
    }
}
