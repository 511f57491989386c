namespace Torsion.Cli.Tests;

public sealed class VersionCommandTests
{
    [Fact]
    public void Version_prints_the_version_and_exits_zero()
    {
        var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, Torsion.Cli.Program.Main(["version"]));
        }
        finally
        {
            Console.SetOut(saved);
        }

        Assert.StartsWith("torsion 0.1.0", output.ToString());
    }
}
