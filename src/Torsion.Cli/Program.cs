using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;
using Torsion.Application.Plugins;

namespace Torsion.Cli;

/// <summary>The entry point of the <c>torsion</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen subcommand.</summary>
    public static int Main(string[] args)
    {
        // A plain Command named "torsion": a RootCommand takes its name from the assembly (Torsion.Cli).
        var root = new Command("torsion", "Run Torsion's protocol servers (like Twisted's twist): torsion <plugin> [options].")
        {
            new HelpOption(),
        };
        var version = new Command("version", "Print the Torsion version.");
        version.SetAction(_ =>
        {
            Console.Out.WriteLine($"torsion {typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown"}");
            return 0;
        });
        root.Subcommands.Add(version);
        root.Subcommands.Add(PasswdCommand.Create());
        foreach (var plugin in PluginCatalog.FromDirectory(AppContext.BaseDirectory).Plugins)
        {
            root.Subcommands.Add(PluginCommand.Create(plugin));
        }

        var result = root.Parse(args);
        if (result.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            // One line per error, no help dump: the help is one --help away.
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine($"torsion: error: {error.Message.ReplaceLineEndings(" ")}");
            }

            return 1;
        }

        return result.Invoke();
    }
}
