using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion discard</c>: RFC 863 Discard: throws away what it receives on TCP (default <c>tcp:7009</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class DiscardPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "discard";

    /// <inheritdoc />
    public string Description => "RFC 863 Discard: throws away what it receives on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7009";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options => WireService.UdpOptions;

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WireService.Build(context, Name, static () => new DiscardProtocol(), static () => new DiscardDatagramProtocol());
    }
}
