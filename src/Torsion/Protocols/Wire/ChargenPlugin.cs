using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion chargen</c>: RFC 864 Character Generator: sends lines of printable characters on TCP (default <c>tcp:7019</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class ChargenPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "chargen";

    /// <inheritdoc />
    public string Description => "RFC 864 Character Generator: sends lines of printable characters on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7019";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options => WireService.UdpOptions;

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return WireService.Build(context, Name, () => new ChargenProtocol(context.Reactor), static () => new ChargenDatagramProtocol());
    }
}
