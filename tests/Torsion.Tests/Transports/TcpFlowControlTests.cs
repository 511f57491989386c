using System.Diagnostics;
using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Transports;

[CollectionDefinition(nameof(SerialTests), DisableParallelization = true)]
public sealed class SerialTests;

/// <summary>Memory-bounded streaming through producers; alone, so that other tests do not blur the memory figure.</summary>
public abstract class TcpFlowControlTests : ReactorHarness
{
    [Fact]
    public async Task A_GiB_pushed_by_a_producer_to_a_paused_then_resumed_reader_stays_under_64_MiB_more_memory()
    {
        const long total = 1L << 30;
        var client = new Recorder { KeepBytes = false };
        FloodProducer? producer = null;
        var serverLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => new ProducingServer(total, p => producer = p, serverLost)), interfaceAddress: "127.0.0.1"));
        GC.Collect();
        var before = System.Diagnostics.Process.GetCurrentProcess().WorkingSet64;
        long peak = before;
        await On(() => Reactor.ConnectTcp("127.0.0.1", ((IPEndPoint)port.Host).Port, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        await On(() =>
        {
            client.Transport.PauseProducing();
            Reactor.CallLater(TimeSpan.FromMilliseconds(200), client.Transport.ResumeProducing);
            Sample();

            void Sample()
            {
                peak = Math.Max(peak, Environment.WorkingSet);
                if (client.Connected)
                {
                    Reactor.CallLater(TimeSpan.FromMilliseconds(20), Sample);
                }
            }
        });
        await client.Lost.Task.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(total, client.Count);
        Assert.True(await On(() => producer!.Pauses) > 0);
        var growth = Math.Max(peak, Environment.WorkingSet) - before;
        Assert.True(growth < 64L << 20, $"memory grew by {growth >> 20} MiB");
    }

    private sealed class ProducingServer(long total, Action<FloodProducer> made, TaskCompletionSource lost) : Protocol
    {
        public override void ConnectionMade()
        {
            var producer = new FloodProducer(Transport, total);
            made(producer);
            Transport.RegisterProducer(producer, streaming: true);
            producer.ResumeProducing();
        }

        public override void ConnectionLost(Exception reason) => lost.TrySetResult();
    }
}

[Collection(nameof(SerialTests))]
public sealed class EpollTcpFlowControlTests : TcpFlowControlTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

[Collection(nameof(SerialTests))]
public sealed class SelectTcpFlowControlTests : TcpFlowControlTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

[Collection(nameof(SerialTests))]
public sealed class GLibTcpFlowControlTests : TcpFlowControlTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
