using Torsion.Application.Plugins;

namespace Torsion.Cli.Tests.Plugins;

public sealed class PluginOptionValuesTests
{
    private static readonly PluginOption[] Options =
    [
        new PluginOption("udp", "UDP port", "PORT"),
        new PluginOption("quote", "The quote", "TEXT", "default quote"),
        new PluginOption("dest", "Destination", "ENDPOINT", required: true),
        PluginOption.Flag("verbose", "Say more"),
    ];

    private static PluginOptionValues Parse(params (string Name, string? Value)[] given) =>
        new(Options, given.ToDictionary(g => g.Name, g => g.Value));

    [Fact]
    public void Defaults_apply_to_options_not_given()
    {
        var values = Parse(("dest", "tcp:host=127.0.0.1:port=1"));

        Assert.Equal("default quote", values.GetString("quote"));
        Assert.Null(values.GetInt32("udp"));
        Assert.False(values.GetFlag("verbose"));
    }

    [Fact]
    public void Given_values_win_over_defaults()
    {
        var values = Parse(("dest", "x"), ("quote", "hi"), ("udp", "7"), ("verbose", "true"));

        Assert.Equal("hi", values.GetString("quote"));
        Assert.Equal(7, values.GetInt32("udp"));
        Assert.True(values.GetFlag("verbose"));
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_the_option_and_the_value()
    {
        var values = Parse(("dest", "x"), ("udp", "seven"));

        Assert.Equal("--udp: 'seven' is not a whole number", Assert.Throws<PluginOptionException>(() => values.GetInt32("udp")).Message);
    }

    [Fact]
    public void A_number_out_of_range_names_the_range()
    {
        var values = Parse(("dest", "x"), ("udp", "70000"));

        Assert.Equal("--udp: 70000 is out of range (0 to 65535)", Assert.Throws<PluginOptionException>(() => values.GetInt32("udp", 0, 65535)).Message);
    }

    [Fact]
    public void A_missing_required_option_is_an_error()
    {
        Assert.Equal("--dest ENDPOINT is required", Assert.Throws<PluginOptionException>(() => Parse()).Message);
    }

    [Fact]
    public void An_unknown_option_is_an_error()
    {
        Assert.Equal("--colour is not an option of this plugin", Assert.Throws<PluginOptionException>(() => Parse(("dest", "x"), ("colour", "red"))).Message);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_the_path()
    {
        var file = new PluginOptionValues([new PluginOption("file", "A file", "PATH")], new Dictionary<string, string?> { ["file"] = "/nonexistent/torsion.txt" });

        Assert.Equal("--file: no such file: /nonexistent/torsion.txt", Assert.Throws<PluginOptionException>(() => file.GetExistingFile("file")).Message);
    }

    [Fact]
    public void Option_names_are_given_without_dashes()
    {
        Assert.Throws<ArgumentException>(() => new PluginOption("--udp", "x"));
    }
}
