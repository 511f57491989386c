using Torsion.Application;
using Torsion.Application.Plugins;

namespace Torsion.Protocols.Wire;

/// <summary>What the wire plugins share: their <c>--udp</c> options and the service listening on TCP and UDP.</summary>
internal static class WireService
{
    public static IReadOnlyList<PluginOption> UdpOptions { get; } =
    [
        new PluginOption("udp", "Also serve the UDP variant on this port (0: any free port).", "PORT"),
        new PluginOption("udp-interface", "The IP address the UDP port binds to (default: all IPv4 interfaces).", "ADDRESS"),
    ];

    /// <summary>The stream listeners of <paramref name="context"/>, plus a UDP port when <c>--udp</c> is given.</summary>
    public static IService Build(PluginContext context, string name, Func<IProtocol> stream, Func<DatagramProtocol> datagram)
    {
        var root = new MultiService { Name = name };
        var udpPort = context.Options.GetInt32("udp", 0, 65535);
        context.ListenStream(Factory.ForProtocol(stream)).SetServiceParent(root);
        if (udpPort is { } port)
        {
            context.ListenUdp(port, datagram(), context.Options.GetString("udp-interface")).SetServiceParent(root);
        }

        return root;
    }
}
