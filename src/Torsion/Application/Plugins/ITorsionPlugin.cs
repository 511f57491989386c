namespace Torsion.Application.Plugins;

/// <summary>
/// A server the <c>torsion</c> command can run (<c>torsion NAME [options]</c>), as Twisted's <c>IServiceMaker</c>:
/// a name, a one-line description, its options, and how to build its service. Public types implementing it with a
/// public parameterless constructor, in a Torsion assembly, are found by <see cref="PluginCatalog"/>.
/// </summary>
public interface ITorsionPlugin
{
    /// <summary>The subcommand name: lower case, e.g. <c>echo</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>torsion --help</c>.</summary>
    string Description { get; }

    /// <summary>The endpoint served when no <c>--listen</c> is given (e.g. <c>tcp:7007</c>), or null if the plugin needs none.</summary>
    string? DefaultEndpoint { get; }

    /// <summary>The plugin's own options, besides the common ones (<c>--listen</c>, <c>--log-*</c>, <c>--pidfile</c>...).</summary>
    IReadOnlyList<PluginOption> Options { get; }

    /// <summary>
    /// Builds the service to run, not started. Throws for a bad option value (<see cref="PluginOptionException"/>)
    /// or a bad endpoint; the command prints the message and exits 1.
    /// </summary>
    IService BuildService(PluginContext context);
}
