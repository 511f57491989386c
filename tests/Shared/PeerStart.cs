using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Torsion.TestPeers;

/// <summary>
/// Starts a real program (dante, microsocks, haproxy, postgres, nginx, nghttpd, tinyproxy, ...) on loopback ports picked here, for peers that cannot
/// bind port 0 themselves and tell which port they got. A picked port is free when it is picked but not reserved: until
/// the peer binds it, an outgoing connection of another test (the suites open thousands in parallel) may take it as
/// its source port, and the peer then fails with "Address already in use". So a start that fails (the peer exited,
/// reported the address in use, or did not listen in time) is tried again on fresh ports, up to <see cref="Attempts"/>
/// times; the final error carries every attempt's failure, the peer's own output included.
/// </summary>
public static class PeerStart
{
    public const int Attempts = 5;

    /// <summary>
    /// Calls <paramref name="start"/> with <paramref name="count"/> distinct fresh ports until it returns. It must throw
    /// when the peer did not come up (with the peer's output in the message) and clean up what it started.
    /// </summary>
    public static T OnFreshPorts<T>(int count, Func<int[], T> start) =>
        OnFreshPortsAsync(count, ports => Task.FromResult(start(ports))).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="OnFreshPorts{T}"/>.</summary>
    public static async Task<T> OnFreshPortsAsync<T>(int count, Func<int[], Task<T>> start)
    {
        var failures = new StringBuilder();
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts(count);
            try
            {
                return await start(ports);
            }
            catch (Exception e)
            {
                failures.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n--- attempt {attempt} on port(s) {string.Join(", ", ports)}: {e.Message}");
                if (attempt == Attempts)
                {
                    throw new InvalidOperationException($"The peer did not start in {Attempts} attempts on fresh ports:{failures}", e);
                }
            }
        }
    }

    /// <summary>One loopback port nothing listens on right now (bound, read, closed): for a port a test needs refused.</summary>
    public static int FreePort() => FreePorts(1)[0];

    /// <summary><paramref name="count"/> distinct loopback ports, all held bound while they are picked.</summary>
    public static int[] FreePorts(int count)
    {
        var probes = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probes.Add(probe);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            return [.. probes.Select(p => ((IPEndPoint)p.LocalEndPoint!).Port)];
        }
        finally
        {
            foreach (var probe in probes)
            {
                probe.Dispose();
            }
        }
    }
}
