using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary><c>torsion qotd</c>: RFC 865 Quote of the Day on TCP (default <c>tcp:7017</c>), and on UDP with <c>--udp PORT</c>.</summary>
public sealed class QotdPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "qotd";

    /// <inheritdoc />
    public string Description => "RFC 865 Quote of the Day: answers a quote on TCP, and on UDP with --udp.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:7017";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options { get; } =
    [
        .. WireService.UdpOptions,
        new PluginOption("quote", "The quote to send.", "TEXT", QotdProtocol.DefaultQuote),
    ];

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var quote = context.Options.GetString("quote") ?? QotdProtocol.DefaultQuote;
        return WireService.Build(context, Name, () => new QotdProtocol(() => quote), () => new QotdDatagramProtocol(() => quote));
    }
}
