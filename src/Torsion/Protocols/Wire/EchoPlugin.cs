using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion echo</c>: RFC 862 Echo: sends back what it receives on TCP (default <c>tcp:7007</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class EchoPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "echo";

    /// <inheritdoc />
    public string Description => "RFC 862 Echo: sends back what it receives on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7007";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options => WireService.UdpOptions;

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WireService.Build(context, Name, static () => new EchoProtocol(), static () => new EchoDatagramProtocol());
    }
}
