using System.Net;
using System.Net.Sockets;
using Torsion.TestPeers;
using Torsion.Tests.Tls;

namespace Torsion.Tests;

/// <summary>
/// <see cref="PeerStart"/>: a peer start that fails is tried again on fresh ports, and the final error names every
/// attempt. The last test takes the port itself, as another test's outgoing connection would, before a real program
/// (python3's http.server) binds it.
/// </summary>
public sealed class PeerStartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_first_start_that_succeeds_is_returned_and_each_attempt_gets_fresh_distinct_ports()
    {
        var seen = new List<int[]>();
        var result = PeerStart.OnFreshPorts(2, ports =>
        {
            seen.Add(ports);
            return seen.Count < 3 ? throw new InvalidOperationException($"taken {seen.Count}") : "up";
        });

        Assert.Equal("up", result);
        Assert.Equal(3, seen.Count);
        Assert.All(seen, ports => Assert.Equal(2, ports.Distinct().Count()));
        Assert.All(seen.SelectMany(p => p), port => Assert.InRange(port, 1024, 65535));
    }

    [Fact]
    public async Task After_five_failures_the_error_names_every_attempt_and_its_output()
    {
        var calls = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PeerStart.OnFreshPortsAsync<int>(1, ports =>
        {
            calls++;
            throw new InvalidOperationException($"peer said: bind {ports[0]}: Address already in use");
        }));

        Assert.Equal(PeerStart.Attempts, calls);
        Assert.StartsWith("The peer did not start in 5 attempts on fresh ports:", error.Message);
        for (var attempt = 1; attempt <= PeerStart.Attempts; attempt++)
        {
            Assert.Contains($"--- attempt {attempt} on port(s) ", error.Message);
        }

        Assert.Equal(PeerStart.Attempts, error.Message.Split("Address already in use").Length - 1);
        Assert.Contains("Address already in use", error.InnerException!.Message);
    }

    [Fact]
    public void Free_ports_are_distinct_and_bindable()
    {
        var ports = PeerStart.FreePorts(3);
        Assert.Equal(3, ports.Distinct().Count());
        foreach (var port in ports)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
    }

    [Fact]
    public async Task A_real_peer_whose_port_was_taken_first_is_started_again_on_a_fresh_one()
    {
        using var thief = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var attempts = new List<(int Port, string Output)>();
        var (peer, port) = await PeerStart.OnFreshPortsAsync(1, async ports =>
        {
            if (attempts.Count == 0)
            {
                // Something took the port between the pick and the peer's bind: here a listener, which any bind
                // conflicts with (another test's outgoing connection without SO_REUSEADDR does the same).
                thief.Bind(new IPEndPoint(IPAddress.Loopback, ports[0]));
                thief.Listen();
            }

            var peer = PeerProcess.Start("/usr/bin/python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
            var serving = peer.WaitForOutput("Serving HTTP on 127.0.0.1 port", Timeout);
            var exited = peer.WaitForExit(Timeout);
            if (await Task.WhenAny(serving, exited) == serving && serving.IsCompletedSuccessfully)
            {
                return (peer, ports[0]);
            }

            await exited;
            attempts.Add((ports[0], peer.Output));
            peer.Dispose();
            throw new InvalidOperationException($"python3 -m http.server did not start on {ports[0]}: {peer.Output}");
        });

        using (peer)
        {
            // The first attempt failed on the taken port; under load a later one may lose its port the same way.
            Assert.NotEmpty(attempts);
            Assert.Equal(((IPEndPoint)thief.LocalEndPoint!).Port, attempts[0].Port);
            Assert.All(attempts, failed => Assert.Contains("Address already in use", failed.Output));
            Assert.DoesNotContain(port, attempts.Select(failed => failed.Port));
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
            await client.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            var answer = new byte[12];
            Assert.Equal(12, await client.ReceiveAsync(answer).WaitAsync(Timeout));
            Assert.Equal("HTTP/1.0 200", System.Text.Encoding.ASCII.GetString(answer));
        }
    }
}
