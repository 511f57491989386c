using Torsion.Application;
using Torsion.Application.Plugins;
using Torsion.Protocols.Wire;

namespace Torsion.Cli.Tests.Plugins;

public sealed class PluginCatalogTests
{
    [Fact]
    public void The_Torsion_assembly_yields_the_wire_and_portforward_plugins_by_name()
    {
        var catalog = PluginCatalog.FromAssemblies([typeof(EchoPlugin).Assembly]);

        Assert.Equal(
            ["chargen", "daytime", "discard", "echo", "portforward", "qotd", "time"],
            catalog.Plugins.Select(p => p.Name));
        Assert.IsType<EchoPlugin>(catalog.Find("echo"));
        Assert.Null(catalog.Find("nope"));
    }

    [Fact]
    public void Abstract_types_and_types_without_a_parameterless_constructor_are_skipped()
    {
        var catalog = PluginCatalog.FromAssemblies([typeof(PluginCatalogTests).Assembly]);

        Assert.Equal(["echo", "test-one"], catalog.Plugins.Select(p => p.Name));
    }

    [Fact]
    public void The_folder_of_the_command_yields_the_plugins_of_its_Torsion_assemblies()
    {
        var catalog = PluginCatalog.FromDirectory(AppContext.BaseDirectory);

        Assert.NotNull(catalog.Find("echo"));
        Assert.Null(catalog.Find("test-one")); // Torsion.Cli.Tests.dll is a test assembly: skipped
    }

    [Fact]
    public void Two_plugins_with_one_name_are_an_error_naming_both()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => PluginCatalog.FromAssemblies([typeof(EchoPlugin).Assembly, typeof(PluginCatalogTests).Assembly]));

        Assert.Equal($"Two plugins are named 'echo': {typeof(EchoPlugin).FullName} and {typeof(SecondEchoPlugin).FullName}.", error.Message);
    }
}

public class TestOnePlugin : ITorsionPlugin
{
    public virtual string Name => "test-one";

    public string Description => "A test plugin.";

    public string? DefaultEndpoint => null;

    public IReadOnlyList<PluginOption> Options => [];

    public IService BuildService(PluginContext context) => new MultiService();
}

public abstract class AbstractPlugin : TestOnePlugin
{
}

public sealed class NeedsArgumentsPlugin(int unused) : TestOnePlugin
{
    public int Unused => unused;
}

public sealed class SecondEchoPlugin : TestOnePlugin
{
    public override string Name => "echo";
}
