using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Testing;
using Torsion.Transports.Process;

namespace Torsion.Tests.Transports.Process;

/// <summary>StandardIO, tested through a real child: tests/Torsion.StdioEcho echoes its stdin through StandardIO.</summary>
public sealed class StandardIOTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private static string EchoProgram
    {
        get
        {
            var directory = AppContext.BaseDirectory.Replace("/tests/Torsion.Tests/bin/", "/tests/Torsion.StdioEcho/bin/", StringComparison.Ordinal);
            var path = Path.Combine(directory, "Torsion.StdioEcho.dll");
            Assert.True(File.Exists(path), $"{path} is not built (Torsion.Tests references the project so that it is)");
            return path;
        }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    [Fact]
    public async Task A_child_echoes_lines_through_StandardIO_and_exits_0_when_its_stdin_closes()
    {
        var child = new ProcessRecorder();
        var transport = await On(() => Reactor.SpawnProcess(child, Dotnet, ["dotnet", EchoProgram]));
        await On(() => transport.Write("first line\n"u8));
        await child.WaitForOut("first line\n").WaitAsync(TimeSpan.FromSeconds(60));
        await On(() => transport.Write("second line\n"u8));
        await Within(child.WaitForOut("first line\nsecond line\n"));
        await On(transport.CloseStdin);

        var reason = await Within(child.Ended.Task);
        Assert.True(reason.ExitCode == 0, $"the echo program ended with {reason}; stderr: {child.Err}");
        Assert.Equal("first line\nsecond line\n", child.Out);
    }

    [Fact]
    public void StandardIO_needs_a_reactor_that_watches_descriptors()
    {
        var error = Assert.Throws<ArgumentException>(() => new StandardIO(new Silent(), new MemoryReactor()));
        Assert.Contains("needs a reactor that watches any descriptor", error.Message);
    }

    private sealed class Silent : Torsion.Protocols.Protocol
    {
    }
}
