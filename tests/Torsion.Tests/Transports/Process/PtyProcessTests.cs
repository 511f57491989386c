using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports.Process;

namespace Torsion.Tests.Transports.Process;

/// <summary>Children on a pseudo-terminal, with real programs (cat, sh, tty, stty).</summary>
public sealed class PtyProcessTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private Task<IProcessTransport> Spawn(ProcessRecorder protocol, string[] argv, (int, int)? windowSize = null) =>
        On(() => Reactor.SpawnProcess(protocol, argv[0], argv, usePty: true, windowSize: windowSize));

    [Fact]
    public async Task Cat_echoes_through_the_terminal_and_ends_on_the_end_of_file_character()
    {
        var cat = new ProcessRecorder();
        var transport = await Spawn(cat, ["cat"]);
        Assert.True(transport.IsPty);
        await On(() => transport.Write("ping\n"u8));

        // The terminal echoes the line (ping\r\n), then cat writes it back (ping\r\n).
        await Within(cat.WaitFor(r => r.Out.Split("ping\r\n").Length >= 3));
        await On(transport.CloseStdin);
        var reason = await Within(cat.Ended.Task);
        Assert.True(reason.ExitCode == 0, $"signal {reason.Signal}; events: {string.Join(", ", cat.Events)}; out: {cat.Out.Replace("\r", "\\r").Replace("\n", "\\n")}");
    }

    [Fact]
    public async Task An_exit_code_is_reported()
    {
        var sh = new ProcessRecorder();
        await Spawn(sh, ["sh", "-c", "exit 3"]);
        var reason = await Within(sh.Ended.Task);
        Assert.Equal(3, reason.ExitCode);
    }

    [Fact]
    public async Task The_terminal_is_the_childs_controlling_terminal()
    {
        var sh = new ProcessRecorder();

        // tty names the terminal on stdin; /dev/tty opens only for a process with a controlling terminal.
        await Spawn(sh, ["sh", "-c", "tty; echo via-dev-tty > /dev/tty; ps -o sid= -p $$; echo $$"]);
        await Within(sh.Ended.Task);
        var lines = sh.Out.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^/dev/pts/[0-9]+$", lines[0]);
        Assert.Equal("via-dev-tty", lines[1]);
        Assert.Equal(lines[3].Trim(), lines[2].Trim()); // the shell is its session's leader
    }

    [Fact]
    public async Task Stty_size_reflects_the_window_size_given_at_spawn()
    {
        var stty = new ProcessRecorder();
        await Spawn(stty, ["stty", "size"], (40, 100));
        await Within(stty.Ended.Task);
        Assert.Equal("40 100\r\n", stty.Out);
    }

    [Fact]
    public async Task A_resize_reaches_the_child_as_SIGWINCH_with_the_new_size()
    {
        var sh = new ProcessRecorder();
        var transport = await Spawn(sh, ["sh", "-c", "trap 'echo size; stty size' WINCH; echo ready; while :; do sleep 0.05; done"], (24, 80));
        await Within(sh.WaitForOut("ready"));
        await On(() => transport.SetWindowSize(30, 90));
        await Within(sh.WaitForOut("30 90"));
        await On(() => transport.SignalProcess("KILL"));
        var reason = await Within(sh.Exited.Task);
        Assert.Equal(9, reason.Signal);
    }

    [Fact]
    public async Task LoseConnection_hangs_the_terminal_up_and_the_child_gets_SIGHUP()
    {
        var cat = new ProcessRecorder();
        var transport = await Spawn(cat, ["cat"]);
        await On(transport.LoseConnection);
        var reason = await Within(cat.Ended.Task);
        Assert.Equal(1, reason.Signal);
    }

    [Fact]
    public async Task SetWindowSize_without_a_pty_is_an_error()
    {
        var sleep = new ProcessRecorder();
        var transport = await On(() => Reactor.SpawnProcess(sleep, "sleep", ["sleep", "1000"]));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => On(() => transport.SetWindowSize(10, 10)));
        Assert.Contains("runs without a pseudo-terminal", error.Message);
        await On(() => transport.SignalProcess("KILL"));
        await Within(sleep.Ended.Task);
    }
}

/// <summary>The select reactor selects sockets only, so it refuses processes before starting one.</summary>
public sealed class SelectReactorProcessTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);

    [Fact]
    public async Task SpawnProcess_on_the_select_reactor_is_refused_clearly()
    {
        var protocol = new ProcessRecorder();
        var error = await Assert.ThrowsAsync<PlatformNotSupportedException>(() => On(() => Reactor.SpawnProcess(protocol, "true", [])));
        Assert.Equal("SpawnProcess needs the EpollReactor (Linux); SelectReactor watches sockets only.", error.Message);
        Assert.False(protocol.Made.Task.IsCompleted);
    }
}
