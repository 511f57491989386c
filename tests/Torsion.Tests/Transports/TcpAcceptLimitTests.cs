using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Transports;

/// <summary>
/// Out of descriptors on accept (EMFILE), for real: an echo server in a child process whose descriptor limit leaves a
/// few spare, more clients than that, and the reactor thread's CPU time read from /proc while accepting is stuck.
/// </summary>
public sealed class TcpAcceptLimitTests
{
    private static readonly TimeSpan Timeout = ReactorHarness.Timeout;

    [Fact]
    public async Task Running_out_of_descriptors_on_accept_pauses_accepting_without_spinning_and_resumes_when_some_are_freed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var child = ChildProcess.Start(null, "emfile-server", "8");
        var lines = Lines(child);
        var clients = new List<Socket>();
        try
        {
            var port = int.Parse((await Expect(lines, "port "))["port ".Length..], CultureInfo.InvariantCulture);
            var tid = int.Parse((await Expect(lines, "tid "))["tid ".Length..], CultureInfo.InvariantCulture);

            // More clients than spare descriptors: the kernel completes every handshake; the server cannot accept them all.
            for (var i = 0; i < 40; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Timeout.TotalMilliseconds };
                clients.Add(client);
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
            }

            var paused = await Expect(lines, "log Warning Out of file descriptors");
            Assert.Contains($"127.0.0.1:{port}", paused);

            // While accepting is impossible the reactor thread must sleep, not spin on a readable listening socket.
            var cpuBefore = ThreadCpuSeconds(child.Id, tid);
            var wall = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(1)); // the measuring window, not a wait for an event
            var cpu = ThreadCpuSeconds(child.Id, tid) - cpuBefore;
            var share = cpu / wall.Elapsed.TotalSeconds;
            Assert.False(child.HasExited, "the server died when it ran out of descriptors");
            Assert.True(share < 0.2, $"the reactor thread used {share:P0} of a CPU while out of descriptors");

            // Free the server's descriptors: every client but the last goes away; the last is then accepted and served.
            foreach (var client in clients.Take(clients.Count - 1))
            {
                client.Dispose();
            }

            var last = clients[^1];
            last.Send("ping"u8);
            var buffer = new byte[4];
            var got = 0;
            while (got < 4)
            {
                var n = await last.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None).AsTask().WaitAsync(Timeout);
                Assert.True(n > 0, "the server closed the last connection instead of serving it");
                got += n;
            }

            Assert.Equal("ping"u8.ToArray(), buffer);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            if (!child.HasExited)
            {
                child.Kill();
            }

            await child.WaitForExitAsync().WaitAsync(Timeout);
        }
    }

    /// <summary>User + system time of one thread of a process, from /proc/PID/task/TID/stat (fields 14 and 15, in clock ticks).</summary>
    private static double ThreadCpuSeconds(int pid, int tid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    private static ChannelReader<string> Lines(System.Diagnostics.Process child)
    {
        var channel = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                channel.Writer.TryWrite(line);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    private static async Task<string> Expect(ChannelReader<string> lines, string prefix)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await foreach (var line in lines.ReadAllAsync(timeout.Token))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"the child process ended without printing a line starting with '{prefix}'");
    }
}
