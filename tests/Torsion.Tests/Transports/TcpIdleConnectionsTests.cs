using Torsion.Bench.IdleConnections;
using Xunit.Abstractions;

namespace Torsion.Tests.Transports;

/// <summary>
/// Many concurrent idle connections to one server (the CI-sized run of bench/IdleConnections, whose code this test
/// shares): all connect, the server still answers, and each costs at most 4 KiB of managed memory.
/// </summary>
[Collection(nameof(SerialTests))]
public sealed class TcpIdleConnectionsTests(ITestOutputHelper output)
{
    [Fact]
    public void Twenty_thousand_idle_connections_or_as_many_as_the_descriptor_limit_allows_cost_at_most_4_KiB_each_and_the_server_stays_responsive()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The clients live in a child process (this test assembly's Main); a machine whose hard descriptor limit cannot
        // be raised to 20 000 + 1024 runs what fits.
        var count = IdleLoad.FitToLimit(20_000, clientsInChild: true);
        Assert.True(count >= 10_000, $"RLIMIT_NOFILE allows only {count} connections; raise the hard limit (test.sh runs ulimit -n 1048576 as root)");
        var result = IdleLoad.Run(count, sourceAddresses: 4, TimeSpan.FromSeconds(60), output.WriteLine, ChildProcess.Command);
        output.WriteLine(result.ToString());
        Assert.Equal(count, result.Connections);
        Assert.True(result.ManagedBytesPerConnection <= 4096, result.ToString());
    }
}
