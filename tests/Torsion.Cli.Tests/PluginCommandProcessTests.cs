using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Torsion.Cli.Tests;

/// <summary>The <c>torsion</c> command as a user runs it: a real process, its output and exit code.</summary>
public sealed class PluginCommandProcessTests
{
    private static readonly TimeSpan Wait = TorsionProcess.Timeout;

    [Fact]
    public async Task Help_lists_the_plugins_with_their_descriptions()
    {
        var (code, stdout, _) = await TorsionProcess.RunAsync("--help");

        Assert.Equal(0, code);
        foreach (var name in new[] { "echo", "discard", "chargen", "daytime", "time", "qotd", "portforward", "web" })
        {
            Assert.Matches($@"(?m)^\s+{name}\s+\S", stdout);
        }

        Assert.Contains("RFC 862 Echo", stdout);
    }

    [Fact]
    public async Task Plugin_help_lists_its_options_with_defaults()
    {
        var (code, stdout, _) = await TorsionProcess.RunAsync("echo", "--help");

        Assert.Equal(0, code);
        Assert.Contains("[default: tcp:7007]", stdout);
        Assert.Matches(@"--log-format <text\|json>.*\[default: text\]", stdout);
        Assert.Matches(@"--log-level <LEVEL>.*\[default: info\]", stdout);
        Assert.Matches(@"--shutdown-timeout <SECONDS>.*\[default: 5\]", stdout);
        Assert.Contains("--log-file <PATH>", stdout);
        Assert.Contains("--pidfile <PATH>", stdout);
        Assert.Contains("--udp <PORT>", stdout);
    }

    [Fact]
    public async Task Echo_serves_on_loopback_and_exits_zero_on_SIGTERM()
    {
        using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--shutdown-timeout", "2");
        var port = await torsion.WaitForListeningPortAsync();

        using (var client = await ConnectAsync(port))
        {
            var stream = client.GetStream();
            await stream.WriteAsync("hello torsion\n"u8.ToArray());
            Assert.Equal("hello torsion\n", Encoding.ASCII.GetString(await ReadExactlyAsync(stream, 14)));
        }

        var stopwatch = Stopwatch.StartNew();
        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"exit took {stopwatch.Elapsed}");
        Assert.Contains("Stopping: SIGTERM", torsion.Stderr);
        Assert.DoesNotContain("error", torsion.Stderr, StringComparison.OrdinalIgnoreCase);
        await AssertClosedAsync(port);
    }

    [Fact]
    public async Task SIGTERM_with_an_idle_connection_open_exits_zero_within_the_grace_period()
    {
        using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--shutdown-timeout", "1");
        var port = await torsion.WaitForListeningPortAsync();
        using var client = await ConnectAsync(port);

        var stopwatch = Stopwatch.StartNew();
        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"exit took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task SIGINT_stops_it_cleanly_too()
    {
        using var torsion = TorsionProcess.Start("discard", "--listen", "tcp:0:interface=127.0.0.1");
        await torsion.WaitForListeningPortAsync();

        torsion.Signal(2);

        Assert.Equal(0, await torsion.WaitForExitAsync());
        Assert.Contains("Stopping: SIGINT", torsion.Stderr);
    }

    [Fact]
    public async Task A_port_in_use_exits_1_with_one_line_and_no_stack_trace()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--listen", $"tcp:{port}:interface=127.0.0.1");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("torsion: error: ", line);
        Assert.Contains("in use", line);
        Assert.Contains(port.ToString(), line);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_port_in_use_with_log_level_debug_also_prints_the_stack_trace()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--listen", $"tcp:{port}:interface=127.0.0.1", "--log-level", "debug");

        Assert.Equal(1, code);
        Assert.Contains("torsion: error: ", stderr);
        Assert.Contains("   at ", stderr);
    }

    [Fact]
    public async Task A_bad_endpoint_exits_1_with_one_line()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--listen", "tcp:notaport");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("torsion: error: ", line);
        Assert.Contains("tcp:notaport", line);
    }

    [Fact]
    public async Task A_bad_option_value_exits_1_with_one_line()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--listen", "tcp:0:interface=127.0.0.1", "--udp", "seven");

        Assert.Equal(1, code);
        Assert.Equal("torsion: error: --udp: 'seven' is not a whole number", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task A_bad_log_format_exits_1_with_one_line()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--log-format", "xml");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("torsion: error: ", line);
        Assert.Equal("torsion: error: unknown log format 'xml' (expected text or json)", line);
    }

    [Fact]
    public async Task A_missing_required_option_exits_1_with_one_line()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("portforward", "--listen", "tcp:0:interface=127.0.0.1");

        Assert.Equal(1, code);
        Assert.Equal("torsion: error: Option '--dest' is required.", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task Log_file_receives_the_log_instead_of_stderr()
    {
        var folder = Directory.CreateTempSubdirectory("torsion-log-");
        try
        {
            var path = Path.Combine(folder.FullName, "torsion.log");
            using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--log-file", path);
            await torsion.WaitForExitOrFileLineAsync(path, "echo started");
            torsion.Terminate();

            Assert.Equal(0, await torsion.WaitForExitAsync());
            Assert.Equal("", torsion.Stderr);
            var log = await File.ReadAllTextAsync(path);
            Assert.Contains("Listening on tcp:0:interface=127.0.0.1", log);
            Assert.Contains("Stopping: SIGTERM", log);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_pidfile_refuses_to_start_over_a_live_pid()
    {
        var pidfile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(pidfile, Environment.ProcessId + "\n"); // the test runner: alive

            var (code, _, stderr) = await TorsionProcess.RunAsync("echo", "--listen", "tcp:0:interface=127.0.0.1", "--pidfile", pidfile);

            Assert.Equal(1, code);
            var line = Assert.Single(Lines(stderr));
            Assert.StartsWith($"torsion: error: pidfile {pidfile} holds pid {Environment.ProcessId}, a running process", line);
            Assert.Equal(Environment.ProcessId + "\n", await File.ReadAllTextAsync(pidfile));
        }
        finally
        {
            File.Delete(pidfile);
        }
    }

    [Fact]
    public async Task A_stale_pidfile_is_replaced_and_the_pidfile_is_removed_on_exit()
    {
        var pidfile = Path.Combine(Path.GetTempPath(), "torsion-" + Guid.NewGuid().ToString("N") + ".pid");
        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            await gone.WaitForExitAsync();
            await File.WriteAllTextAsync(pidfile, gone.Id + "\n");
        }

        using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--pidfile", pidfile);
        await torsion.WaitForListeningPortAsync();
        Assert.Equal(torsion.Id + "\n", await File.ReadAllTextAsync(pidfile));

        torsion.Terminate();

        Assert.Equal(0, await torsion.WaitForExitAsync());
        Assert.False(File.Exists(pidfile), "the pidfile is removed on exit");
    }

    [Fact]
    public async Task Log_format_json_writes_one_object_per_line_on_stderr()
    {
        using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--log-format", "json");
        await torsion.WaitForLogAsync(l => l.Contains("started (pid", StringComparison.Ordinal));
        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());

        var lines = Lines(torsion.Stderr);
        Assert.True(lines.Length >= 4, torsion.Stderr);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            Assert.True(json.RootElement.TryGetProperty("time", out _), line);
            Assert.True(json.RootElement.TryGetProperty("level", out _), line);
            Assert.True(json.RootElement.TryGetProperty("category", out _), line);
            Assert.True(json.RootElement.TryGetProperty("message", out _), line);
        }

        Assert.Contains(lines, l => l.Contains("\"message\":\"Stopping: SIGTERM\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Echo_with_udp_answers_datagrams_too()
    {
        // --udp 0: the program binds a free UDP port itself and logs it ("... listening on udp 127.0.0.1:PORT"), so no
        // port is picked here that another test's socket could take before it binds.
        using var torsion = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1", "--udp", "0", "--udp-interface", "127.0.0.1");
        var udpLine = await torsion.WaitForLogAsync(l => l.Contains("listening on udp 127.0.0.1:", StringComparison.Ordinal));
        var udpPort = int.Parse(udpLine[(udpLine.LastIndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await torsion.WaitForListeningPortAsync();
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync("ping"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, udpPort));

        using var cts = new CancellationTokenSource(Wait);
        var reply = await udp.ReceiveAsync(cts.Token);

        Assert.Equal("ping", Encoding.ASCII.GetString(reply.Buffer));
        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());
    }

    [Fact]
    public async Task Portforward_carries_bytes_both_ways_to_a_torsion_echo()
    {
        using var echo = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1");
        var echoPort = await echo.WaitForListeningPortAsync();
        using var forward = TorsionProcess.Start("portforward", "--listen", "tcp:0:interface=127.0.0.1", "--dest", $"tcp:host=127.0.0.1:port={echoPort}");
        var forwardPort = await forward.WaitForListeningPortAsync();

        using (var client = await ConnectAsync(forwardPort))
        {
            var stream = client.GetStream();
            await stream.WriteAsync("through the forward\n"u8.ToArray());
            Assert.Equal("through the forward\n", Encoding.ASCII.GetString(await ReadExactlyAsync(stream, 20)));

            // Closing our side closes the destination side, which closes ours: end of stream.
            client.Client.Shutdown(SocketShutdown.Send);
            using var cts = new CancellationTokenSource(Wait);
            Assert.Equal(0, await stream.ReadAsync(new byte[1], cts.Token));
        }

        forward.Terminate();
        echo.Terminate();
        Assert.Equal(0, await forward.WaitForExitAsync());
        Assert.Equal(0, await echo.WaitForExitAsync());
    }

    [Fact]
    public async Task Portforward_moves_64_MiB_through_an_echo_with_bounded_memory()
    {
        const int total = 64 * 1024 * 1024;
        using var echo = TorsionProcess.Start("echo", "--listen", "tcp:0:interface=127.0.0.1");
        var echoPort = await echo.WaitForListeningPortAsync();
        using var forward = TorsionProcess.Start("portforward", "--listen", "tcp:0:interface=127.0.0.1", "--dest", $"tcp:host=127.0.0.1:port={echoPort}");
        var forwardPort = await forward.WaitForListeningPortAsync();
        var baseline = forward.PeakResidentBytes();

        using var client = await ConnectAsync(forwardPort);
        var stream = client.GetStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var writer = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (byte)i;
            }

            for (var sent = 0; sent < total; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk, cts.Token);
            }
        });
        var buffer = new byte[256 * 1024];
        long received = 0;
        long mismatches = 0;
        while (received < total)
        {
            var n = await stream.ReadAsync(buffer, cts.Token);
            Assert.NotEqual(0, n);
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)((received + i) % (64 * 1024)))
                {
                    mismatches++;
                }
            }

            received += n;
        }

        await writer;
        Assert.Equal(total, received);
        Assert.Equal(0, mismatches);
        var growth = forward.PeakResidentBytes() - baseline;
        Assert.True(growth < 48L * 1024 * 1024, $"portforward's peak memory grew by {growth / (1024 * 1024)} MiB for a 64 MiB transfer");
    }

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient(AddressFamily.InterNetwork);
        using var cts = new CancellationTokenSource(Wait);
        await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        return client;
    }

    private static async Task<byte[]> ReadExactlyAsync(NetworkStream stream, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Wait);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    private static async Task AssertClosedAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var cts = new CancellationTokenSource(Wait);
        await Assert.ThrowsAnyAsync<SocketException>(async () => await client.ConnectAsync(IPAddress.Loopback, port, cts.Token));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
