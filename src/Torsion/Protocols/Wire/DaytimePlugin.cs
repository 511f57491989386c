using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion daytime</c>: RFC 867 Daytime: answers the date and time as text on TCP (default <c>tcp:7013</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class DaytimePlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "daytime";

    /// <inheritdoc />
    public string Description => "RFC 867 Daytime: answers the date and time as text on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7013";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options => WireService.UdpOptions;

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WireService.Build(context, Name, static () => new DaytimeProtocol(TimeProvider.System), static () => new DaytimeDatagramProtocol(TimeProvider.System));
    }
}
