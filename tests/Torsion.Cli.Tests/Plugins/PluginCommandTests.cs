using Torsion.Application.Plugins;
using Torsion.Protocols.PortForward;
using Torsion.Protocols.Wire;

namespace Torsion.Cli.Tests.Plugins;

public sealed class PluginCommandTests
{
    [Fact]
    public void Listen_is_repeatable_and_defaults_to_the_plugin_endpoint()
    {
        var command = PluginCommand.Create(new EchoPlugin());

        var repeated = command.Parse(["--listen", "tcp:1", "--listen", "tcp:2"]);
        var none = command.Parse([]);

        Assert.Empty(repeated.Errors);
        Assert.Equal(["tcp:1", "tcp:2"], repeated.GetValue<string[]>("--listen")!);
        Assert.Equal(["tcp:7007"], none.GetValue<string[]>("--listen")!);
    }

    [Fact]
    public void Plugin_options_are_added_with_their_defaults()
    {
        var command = PluginCommand.Create(new QotdPlugin());

        var result = command.Parse([]);

        Assert.Empty(result.Errors);
        Assert.Equal(QotdProtocol.DefaultQuote, result.GetValue<string?>("--quote"));
        Assert.Null(result.GetValue<string?>("--udp"));
    }

    [Fact]
    public void A_required_plugin_option_missing_is_a_parse_error()
    {
        var result = PluginCommand.Create(new PortForwardPlugin()).Parse([]);

        Assert.Equal("Option '--dest' is required.", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Common_option_defaults()
    {
        var result = PluginCommand.Create(new EchoPlugin()).Parse([]);

        Assert.Equal("text", result.GetValue<string>("--log-format"));
        Assert.Equal("info", result.GetValue<string>("--log-level"));
        Assert.Equal(5.0, result.GetValue<double>("--shutdown-timeout"));
        Assert.Null(result.GetValue<string?>("--pidfile"));
    }

    [Fact]
    public void A_plugin_option_named_as_a_common_option_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PluginCommand.Create(new ClashingPlugin()));

        Assert.Equal("Plugin 'clash' declares --listen, which is a common option of every plugin.", error.Message);
    }

    private sealed class ClashingPlugin : ITorsionPlugin
    {
        public string Name => "clash";

        public string Description => "Clashes.";

        public string? DefaultEndpoint => null;

        public IReadOnlyList<PluginOption> Options => [new PluginOption("listen", "again")];

        public Torsion.Application.IService BuildService(PluginContext context) => throw new NotSupportedException();
    }
}
