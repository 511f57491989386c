using System.CommandLine;
using System.Reflection;

namespace Torsion.Cli;

/// <summary>The entry point of the <c>torsion</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen subcommand.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("torsion: run Torsion's protocol servers (like Twisted's twist).");
        var version = new Command("version", "Print the Torsion version.");
        version.SetAction(_ =>
        {
            Console.Out.WriteLine($"torsion {typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown"}");
            return 0;
        });
        root.Subcommands.Add(version);
        root.Subcommands.Add(PasswdCommand.Create());
        return root.Parse(args).Invoke();
    }
}
