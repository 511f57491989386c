using System.Text;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports.Process;

namespace Torsion.Tests.Transports.Process;

/// <summary>Child processes over pipes, with real programs (cat, sh, sleep), on each reactor that watches any descriptor.</summary>
public abstract class ProcessTests : ReactorHarness
{
    private Task<IProcessTransport> Spawn(ProcessRecorder protocol, string executable, string[] args, IReadOnlyDictionary<string, string>? env = null, string? cwd = null) =>
        On(() => Reactor.SpawnProcess(protocol, executable, args, env, cwd));

    /// <summary>
    /// The start time of a process (field 22 of /proc/PID/stat): with the pid, it names one process even when pids are
    /// reused. Read on the reactor thread right after spawning, before the reactor can reap the child.
    /// </summary>
    private static long? StartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // gone already (the SIGCHLD reaper reaps a child that exits during SpawnProcess at once)
        }

        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// True when the process is gone (reaped: no zombie). Reads /proc rather than calling waitpid, which on a pid that
    /// was reused would reap another test's child and steal its exit status.
    /// </summary>
    private static bool IsReaped(int pid, long? startTime) => startTime is null || StartTime(pid) != startTime;

    [Fact]
    public async Task Cat_echoes_what_is_written_to_its_stdin_and_exits_0_when_stdin_is_closed()
    {
        var cat = new ProcessRecorder();
        var transport = await Spawn(cat, "cat", ["cat"]);
        Assert.True(transport.Pid > 0);
        var started = await On(() => StartTime(transport.Pid));
        await On(() => transport.Write("hello, process\n"u8));
        await Within(cat.WaitForOut("hello, process\n"));
        await On(transport.CloseStdin);

        var reason = await Within(cat.Ended.Task);
        Assert.Equal(0, reason.ExitCode);
        Assert.IsType<ProcessDoneException>(reason.Exception);
        Assert.Equal("hello, process\n", cat.Out);
        Assert.True(IsReaped(transport.Pid, started));
    }

    [Fact]
    public async Task Stdout_and_stderr_arrive_separately()
    {
        var sh = new ProcessRecorder();
        await Spawn(sh, "sh", ["sh", "-c", "echo out; echo err >&2"]);
        await Within(sh.Ended.Task);
        Assert.Equal("out\n", sh.Out);
        Assert.Equal("err\n", sh.Err);
    }

    [Fact]
    public async Task A_non_zero_exit_code_is_a_ProcessTerminatedException_with_the_code()
    {
        var sh = new ProcessRecorder();
        await Spawn(sh, "/bin/sh", ["sh", "-c", "exit 3"]);
        var reason = await Within(sh.Ended.Task);
        var error = Assert.IsType<ProcessTerminatedException>(reason.Exception);
        Assert.Equal(3, error.ExitCode);
        Assert.Null(error.Signal);
        Assert.Equal(3, reason.ExitCode);
    }

    [Fact]
    public async Task ProcessEnded_comes_after_ProcessExited_and_after_every_pipe_is_closed()
    {
        var sh = new ProcessRecorder();
        await Spawn(sh, "sh", ["sh", "-c", "echo done"]);
        await Within(sh.Ended.Task);
        var events = sh.Events;
        Assert.Equal("ended", events[^1]);
        Assert.Contains("exited", events);
        Assert.Contains("lost 0", events);
        Assert.Contains("lost 1", events);
        Assert.Contains("lost 2", events);
        Assert.Equal(5, events.Count);
    }

    [Fact]
    public async Task A_sleeping_child_signalled_with_TERM_ends_with_signal_15()
    {
        var sleep = new ProcessRecorder();
        var transport = await Spawn(sleep, "sleep", ["sleep", "1000"]);
        await On(() => transport.SignalProcess("TERM"));
        var reason = await Within(sleep.Ended.Task);
        var error = Assert.IsType<ProcessTerminatedException>(reason.Exception);
        Assert.Equal(15, error.Signal);
        Assert.Null(error.ExitCode);
        Assert.Contains("SIGTERM", error.Message);
    }

    [Fact]
    public async Task A_child_that_ignores_TERM_is_killed_with_KILL_and_cannot_be_signalled_after_it_ended()
    {
        var stubborn = new ProcessRecorder();
        var transport = await Spawn(stubborn, "sh", ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]);
        await Within(stubborn.WaitForOut("ready"));
        await On(() => transport.SignalProcess("KILL"));
        var reason = await Within(stubborn.Exited.Task);
        Assert.Equal(9, reason.Signal);
        Assert.True(await On(() => transport.HasExited));
        await Assert.ThrowsAsync<ProcessExitedAlreadyException>(() => On(() => transport.SignalProcess("TERM")));
    }

    [Fact]
    public async Task An_unknown_signal_name_is_an_error_naming_it()
    {
        var sleep = new ProcessRecorder();
        var transport = await Spawn(sleep, "sleep", ["sleep", "1000"]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => On(() => transport.SignalProcess("NOPE")));
        Assert.Contains("'NOPE' names no signal", error.Message);
        await On(() => transport.SignalProcess(9));
        await Within(sleep.Ended.Task);
    }

    [Fact]
    public async Task The_environment_and_working_directory_given_are_the_childs()
    {
        var directory = Directory.CreateTempSubdirectory("torsion-process-").FullName;
        try
        {
            var sh = new ProcessRecorder();
            var env = new Dictionary<string, string> { ["TORSION_TEST"] = "hello env", ["PATH"] = "/usr/bin:/bin" };
            await Spawn(sh, "sh", ["sh", "-c", "echo \"$TORSION_TEST\"; pwd; echo \"${HOME:-no home}\""], env, directory);
            await Within(sh.Ended.Task);
            Assert.Equal($"hello env\n{directory}\nno home\n", sh.Out);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Without_an_environment_the_child_inherits_this_processes()
    {
        var sh = new ProcessRecorder();
        await Spawn(sh, "sh", ["sh", "-c", "echo \"$PATH\""]);
        await Within(sh.Ended.Task);
        Assert.Equal(Environment.GetEnvironmentVariable("PATH") + "\n", sh.Out);
    }

    [Fact]
    public async Task A_missing_executable_is_a_ProcessSpawnException_naming_it_and_no_event_fires()
    {
        var nobody = new ProcessRecorder();
        var error = await Assert.ThrowsAsync<ProcessSpawnException>(() => Spawn(nobody, "/no/such/program", ["program"]));
        Assert.Equal("Cannot run '/no/such/program': No such file or directory.", error.Message);
        Assert.Equal(2, error.ErrorNumber);
        Assert.Equal("/no/such/program", error.Executable);
        Assert.False(nobody.Made.Task.IsCompleted);
    }

    [Fact]
    public async Task A_missing_executable_looked_up_on_the_PATH_is_an_error_naming_it_and_the_PATH()
    {
        var error = await Assert.ThrowsAsync<ProcessSpawnException>(() =>
            Spawn(new ProcessRecorder(), "no-such-program-torsion", [], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }));
        Assert.Equal("Cannot run 'no-such-program-torsion': no such executable on the PATH (/usr/bin:/bin).", error.Message);
    }

    [Fact]
    public async Task A_missing_working_directory_is_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<ProcessSpawnException>(() => Spawn(new ProcessRecorder(), "true", [], cwd: "/no/such/directory"));
        Assert.Equal("Cannot run 'true': the working directory '/no/such/directory' does not exist.", error.Message);
    }

    [Fact]
    public async Task A_window_size_without_a_pty_is_an_error()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => On(() => Reactor.SpawnProcess(new ProcessRecorder(), "true", [], windowSize: (24, 80))));
        Assert.StartsWith("A window size is for a pseudo-terminal: pass usePty: true with it.", error.Message);
    }

    [Fact]
    public async Task Closing_stdout_early_is_reported_as_ChildConnectionLost_1()
    {
        var sh = new ProcessRecorder();
        var transport = await Spawn(sh, "sh", ["sh", "-c", "read line; echo after"]);
        await On(transport.CloseStdout);
        await On(() => transport.Write("go\n"u8));
        await Within(sh.Ended.Task);
        Assert.Equal("lost 1", sh.Events[0]);
        Assert.Equal("", sh.Out);
    }

    [Fact]
    public async Task Sixteen_MiB_round_trip_through_cat_under_flow_control_and_pausing_stops_reading()
    {
        const int Size = 16 * 1024 * 1024;
        var cat = new ProcessRecorder { KeepBytes = false };
        var transport = await Spawn(cat, "cat", ["cat"]);
        var data = new byte[Size];
        Random.Shared.NextBytes(data);

        // Paused from the start: cat fills its stdout pipe, blocks, and stops reading its stdin, so our queue stays full.
        var stalled = new TaskCompletionSource<(long Read, long Pending, bool Watched)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            transport.PauseProducing();
            transport.Write(data);
            transport.CloseStdin();
            Reactor.CallLater(TimeSpan.FromMilliseconds(500), () =>
            {
                var watched = Reactor.GetReaders().Any(r => r is PipeReader);
                stalled.SetResult((cat.OutCount, ((ProcessTransport)transport).PendingStdin, watched));
            });
        });
        var (read, pending, watched) = await Within(stalled.Task);
        Assert.Equal(0, read);
        Assert.False(watched);
        Assert.True(pending > Size / 2, $"only {pending} bytes were left unwritten: cat kept reading although its output was not");

        await On(transport.ResumeProducing);
        var reason = await Within(cat.Ended.Task);
        Assert.Equal(0, reason.ExitCode);
        Assert.Equal(Size, cat.OutCount);
    }

    [Fact]
    public async Task Output_is_the_same_bytes_that_went_in()
    {
        var cat = new ProcessRecorder();
        var transport = await Spawn(cat, "cat", ["cat"]);
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 20000).Select(i => $"line {i}\n")));
        await On(() =>
        {
            transport.Write(data);
            transport.CloseStdin();
        });
        await Within(cat.Ended.Task);
        Assert.Equal(Encoding.UTF8.GetString(data), cat.Out);
    }

    [Fact]
    public async Task Fifty_short_children_are_all_reaped()
    {
        var children = Enumerable.Range(0, 50).Select(_ => new ProcessRecorder()).ToArray();
        var pids = await On(() => children.Select(c => Reactor.SpawnProcess(c, "true", ["true"]).Pid).Select(p => (Pid: p, Start: StartTime(p))).ToArray());
        var reasons = await Within(Task.WhenAll(children.Select(c => c.Ended.Task)));
        Assert.All(reasons, r => Assert.Equal(0, r.ExitCode));
        Assert.All(pids, p => Assert.True(IsReaped(p.Pid, p.Start), $"process {p.Pid} was not reaped"));
    }

    [Fact]
    public async Task Without_pidfd_children_are_reaped_through_SIGCHLD()
    {
        await On(() => Reactor.ForceSigchldReaping = true);
        var children = Enumerable.Range(0, 5).Select(_ => new ProcessRecorder()).ToArray();
        var pids = await On(() => children.Select((c, i) => Reactor.SpawnProcess(c, "sh", ["sh", "-c", $"exit {i + 1}"]).Pid).Select(p => (Pid: p, Start: StartTime(p))).ToArray());
        var reasons = await Within(Task.WhenAll(children.Select(c => c.Ended.Task)));
        for (var i = 0; i < children.Length; i++)
        {
            Assert.Equal(i + 1, reasons[i].ExitCode);
            Assert.True(IsReaped(pids[i].Pid, pids[i].Start));
        }
    }

    [Fact]
    public async Task Transports_refuse_other_threads()
    {
        var sleep = new ProcessRecorder();
        var transport = await Spawn(sleep, "sleep", ["sleep", "1000"]);
        var error = Assert.Throws<InvalidOperationException>(() => transport.Write("x"u8));
        Assert.Contains("CallFromThread", error.Message);
        await On(() => transport.SignalProcess("KILL"));
        await Within(sleep.Ended.Task);
    }
}

public sealed class EpollProcessTests : ProcessTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class GLibProcessTests : ProcessTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
