namespace Torsion.Cli.Tests;

public sealed class PidFileTests
{
    [Fact]
    public void A_pidfile_holding_garbage_is_replaced_and_removed_on_dispose()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "not a pid");

        using (PidFile.Acquire(path))
        {
            Assert.Equal(Environment.ProcessId + "\n", File.ReadAllText(path));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_pidfile_rewritten_by_someone_else_is_left_alone_on_dispose()
    {
        var path = Path.GetTempFileName();
        try
        {
            using (PidFile.Acquire(path))
            {
                File.WriteAllText(path, "1\n");
            }

            Assert.Equal("1\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_pidfile_in_a_missing_folder_is_an_error_naming_it()
    {
        var error = Assert.Throws<PidFileException>(() => PidFile.Acquire("/nonexistent-torsion-dir/x.pid"));

        Assert.StartsWith("cannot write pidfile /nonexistent-torsion-dir/x.pid: ", error.Message);
    }
}
