using Torsion.Reactor;

namespace Torsion.Tests.Reactor;

/// <summary><c>TORSION_REACTOR</c> chooses the reactor; each case runs in a child process with the variable set.</summary>
public sealed class ReactorFactoryTests
{
    private static async Task<(int Exit, string Output)> ReactorKindIn(string? value)
    {
        using var child = ChildProcess.Start(new Dictionary<string, string?> { [ReactorFactory.EnvironmentVariable] = value }, "reactor-kind");
        var output = await child.StandardOutput.ReadToEndAsync().WaitAsync(ReactorHarness.Timeout);
        await child.WaitForExitAsync().WaitAsync(ReactorHarness.Timeout);
        return (child.ExitCode, output.Trim());
    }

    [Theory]
    [InlineData("select", nameof(SelectReactor))]
    [InlineData("SELECT", nameof(SelectReactor))]
    [InlineData("epoll", nameof(EpollReactor))]
    public async Task TORSION_REACTOR_picks_the_reactor_ReactorFactory_Create_makes(string value, string expected)
    {
        var (exit, output) = await ReactorKindIn(value);
        Assert.Equal((0, expected), (exit, output));
    }

    [Fact]
    public async Task Without_TORSION_REACTOR_Linux_gets_the_epoll_reactor()
    {
        var (exit, output) = await ReactorKindIn(null);
        Assert.Equal((0, OperatingSystem.IsLinux() ? nameof(EpollReactor) : nameof(SelectReactor)), (exit, output));
    }

    [Fact]
    public async Task An_unknown_TORSION_REACTOR_is_an_error_naming_the_value_and_the_choices()
    {
        var (exit, output) = await ReactorKindIn("kqueue");
        Assert.Equal(1, exit);
        Assert.Equal("TORSION_REACTOR='kqueue' names no reactor: use 'epoll', 'select' or 'glib'.", output);
    }
}
