using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Xunit.Abstractions;

namespace Torsion.Tests.Transports;

/// <summary>
/// The hot path allocates nothing: bytes allocated on the reactor thread across many echo round trips over a real
/// loopback connection (no metrics listener attached, as in production without one). Alone, so no other test's
/// work lands on the measured thread.
/// </summary>
public abstract class TcpAllocationTests(ITestOutputHelper output) : ReactorHarness
{
    [Theory]
    [InlineData(64, 20_000)]
    [InlineData(16 * 1024, 5_000)]
    [InlineData(200 * 1024, 500)]
    public async Task Echo_round_trips_allocate_nothing_per_message_on_the_reactor_thread(int size, int messages)
    {
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => new Echo()), interfaceAddress: "127.0.0.1"));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)Timeout.TotalMilliseconds,
            SendTimeout = (int)Timeout.TotalMilliseconds,
        };
        client.Connect(IPAddress.Loopback, ((IPEndPoint)port.Host).Port);
        var message = new byte[size];
        Random.Shared.NextBytes(message);
        var back = new byte[size];

        RoundTrips(client, message, back, messages / 4);

        // Three measured windows: an allocation per message shows in all; a one-time growth (a table sized by
        // descriptor number, which other tests running in parallel keep raising; a pool bucket used for the first
        // time) shows in some at most.
        var windows = new long[3];
        for (var w = 0; w < windows.Length; w++)
        {
            var before = await On(GC.GetAllocatedBytesForCurrentThread);
            RoundTrips(client, message, back, messages);
            var after = await On(GC.GetAllocatedBytesForCurrentThread);
            windows[w] = after - before;
        }

        Assert.Equal(message, back);
        output.WriteLine($"{Reactor.GetType().Name}: {string.Join(", ", windows)} bytes allocated on the reactor thread over three windows of {messages} echoes of {size} bytes");
        foreach (var entry in Logs.Entries)
        {
            output.WriteLine($"log: {entry.Level} {entry.Message}");
        }

        // What is left is the measuring itself (completing the TaskCompletionSource of On): a constant, not per message.
        var allocated = windows.Min();
        Assert.True(allocated < 4096, $"{allocated} bytes allocated on the reactor thread over {messages} echoes of {size} bytes ({(double)allocated / messages:0.###} per message)");
    }

    private static void RoundTrips(Socket client, byte[] message, byte[] back, int count)
    {
        for (var i = 0; i < count; i++)
        {
            client.Send(message);
            var got = 0;
            while (got < back.Length)
            {
                var n = client.Receive(back, got, back.Length - got, SocketFlags.None);
                Assert.True(n > 0, "the server closed the connection");
                got += n;
            }
        }
    }

    private sealed class Echo : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
    }
}

[Collection(nameof(SerialTests))]
public sealed class EpollTcpAllocationTests(ITestOutputHelper output) : TcpAllocationTests(output)
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

[Collection(nameof(SerialTests))]
public sealed class SelectTcpAllocationTests(ITestOutputHelper output) : TcpAllocationTests(output)
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}
