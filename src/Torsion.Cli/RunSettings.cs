using Torsion.Cli.Logging;

namespace Torsion.Cli;

/// <summary>The common options of a plugin command, parsed.</summary>
internal sealed class RunSettings
{
    public required IReadOnlyList<string> Listen { get; init; }

    public required LoggingOptions Logging { get; init; }

    public string? PidFile { get; init; }

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The plugin's own options as given on the command line (defaults applied later).</summary>
    public required IReadOnlyDictionary<string, string?> PluginOptions { get; init; }
}
