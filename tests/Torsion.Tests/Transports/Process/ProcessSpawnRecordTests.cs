using Torsion.Testing;
using Torsion.Transports.Process;

namespace Torsion.Tests.Transports.Process;

/// <summary>MemoryReactor records spawns so that a protocol that runs processes is tested with no process.</summary>
public sealed class ProcessSpawnRecordTests
{
    [Fact]
    public async Task A_spawn_is_recorded_and_the_test_plays_the_child()
    {
        var reactor = new MemoryReactor();
        var protocol = new ProcessRecorder();
        var transport = reactor.SpawnProcess(protocol, "ls", ["ls", "-l"], new Dictionary<string, string> { ["A"] = "b" }, "/tmp");

        var record = Assert.Single(reactor.Processes);
        Assert.Same(record, transport);
        Assert.True(protocol.Made.Task.IsCompleted);
        Assert.Equal("ls", record.Executable);
        Assert.Equal(["ls", "-l"], record.Args);
        Assert.Equal("/tmp", record.WorkingDirectory);
        Assert.Equal("b", record.Environment!["A"]);

        transport.Write("input"u8);
        transport.SignalProcess("TERM");
        record.Output(1, "out"u8);
        record.Output(2, "err"u8);
        record.Exit(ProcessExitReason.Exited(2));

        Assert.Equal("input"u8.ToArray(), record.Written);
        Assert.Equal([15], record.Signals);
        Assert.Equal("out", protocol.Out);
        Assert.Equal("err", protocol.Err);
        Assert.Equal(2, Assert.IsType<ProcessTerminatedException>((await protocol.Ended.Task).Exception).ExitCode);
        Assert.Equal(["exited", "lost 0", "lost 1", "lost 2", "ended"], protocol.Events);
        Assert.Throws<ProcessExitedAlreadyException>(() => transport.SignalProcess(9));
    }

    [Fact]
    public void A_pty_spawn_records_its_window_size_and_resizes()
    {
        var reactor = new MemoryReactor();
        var transport = reactor.SpawnProcess(new ProcessRecorder(), "sh", ["sh"], usePty: true, windowSize: (24, 80));
        transport.SetWindowSize(50, 132);
        Assert.Equal((50, 132), reactor.Processes[0].WindowSize);
    }

    [Fact]
    public void Wait_statuses_decode_to_exit_codes_and_signals()
    {
        Assert.Equal(0, ProcessExitReason.FromWaitStatus(0).ExitCode);
        Assert.Equal(3, ProcessExitReason.FromWaitStatus(3 << 8).ExitCode);
        var killed = ProcessExitReason.FromWaitStatus(9);
        Assert.Equal(9, killed.Signal);
        Assert.Null(killed.ExitCode);
        Assert.True(ProcessExitReason.FromWaitStatus(11 | 0x80).CoreDumped);
    }
}
