using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Endpoints;

namespace Torsion.Protocols.PortForward;

/// <summary><c>torsion portforward --listen tcp:8000 --dest tcp:host=127.0.0.1:port=80</c>: relays every connection to a destination.</summary>
public sealed class PortForwardPlugin : ITorsionPlugin
{
    /// <inheritdoc />
    public string Name => "portforward";

    /// <inheritdoc />
    public string Description => "Forwards each incoming connection to --dest, both ways under flow control.";

    /// <inheritdoc />
    public string? DefaultEndpoint => "tcp:8000";

    /// <inheritdoc />
    public IReadOnlyList<PluginOption> Options { get; } =
    [
        new PluginOption("dest", "The client endpoint to forward to, e.g. tcp:host=127.0.0.1:port=80.", "ENDPOINT", required: true),
    ];

    /// <inheritdoc />
    public IService BuildService(PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var destination = Endpoints.Endpoints.Client(context.Reactor, context.Options.GetString("dest")!);
        var factory = new PortForwardFactory(destination.Connect, context.LoggerFactory.CreateLogger<PortForwardFactory>());
        var root = new MultiService { Name = Name };
        context.ListenStream(factory).SetServiceParent(root);
        return root;
    }
}
