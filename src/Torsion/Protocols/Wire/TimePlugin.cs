using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion time</c>: RFC 868 Time: answers the seconds since 1900 as 32 bits on TCP (default <c>tcp:7037</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class TimePlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "time";

    /// <inheritdoc />
    public string Description => "RFC 868 Time: answers the seconds since 1900 as 32 bits on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7037";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options => WireService.UdpOptions;

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WireService.Build(context, Name, static () => new TimeProtocol(TimeProvider.System), static () => new TimeDatagramProtocol(TimeProvider.System));
    }
}
