using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Torsion.Diagnostics;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Transports;

/// <summary>The TCP transport records to <see cref="TorsionMetrics.Shared"/>; alone, so that no other test's connections blur the counts.</summary>
[Collection(nameof(SerialTests))]
public sealed class TcpMetricsTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private sealed record Measurement(string Instrument, long Value, string? Port);

    private static MeterListener Listen(ConcurrentQueue<Measurement> into, Action<Measurement> seen)
    {
        var meter = TorsionMetrics.Shared.Meter;
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? port = null;
            foreach (var tag in tags)
            {
                if (tag.Key == PortTag.Name)
                {
                    port = (string?)tag.Value;
                }
            }

            var m = new Measurement(instrument.Name, value, port);
            into.Enqueue(m);
            seen(m);
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task Accepted_closed_and_byte_counters_move_for_a_real_loopback_connection_tagged_by_port()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        var serverClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clientClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? serverTag = null;
        using var listener = Listen(measurements, m =>
        {
            if (m.Instrument == "torsion.connections.closed")
            {
                (m.Port == Volatile.Read(ref serverTag) ? serverClosed : m.Port == "tcp:client" ? clientClosed : null)?.TrySetResult();
            }
        });

        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1"));
        var number = ((IPEndPoint)port.Host).Port;
        Volatile.Write(ref serverTag, $"tcp:127.0.0.1:{number}");
        var client = new Recorder();
        await On(() => Reactor.ConnectTcp("127.0.0.1", number, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        await On(() => client.Transport.Write(new byte[1000]));
        await Within(client.WaitForBytes(1000));
        await On(() => client.Transport.LoseConnection());
        await Within(serverClosed.Task);
        await Within(clientClosed.Task);

        long Sum(string instrument, string? tag) => measurements.Where(m => m.Instrument == instrument && m.Port == tag).Sum(m => m.Value);
        Assert.Equal(1, Sum("torsion.connections.accepted", serverTag));
        Assert.Equal(1, Sum("torsion.connections.closed", serverTag));
        Assert.Equal(0, Sum("torsion.connections.open", serverTag));
        Assert.Equal(1000, Sum("torsion.bytes.received", serverTag));
        Assert.Equal(1000, Sum("torsion.bytes.sent", serverTag));
        Assert.True(Sum("torsion.bytes.sent", "tcp:client") >= 1000);
        Assert.True(Sum("torsion.bytes.received", "tcp:client") >= 1000);
        Assert.True(Sum("torsion.connections.accepted", "tcp:client") >= 1);
    }

    [Fact]
    public async Task An_IPv6_port_is_tagged_with_its_bracketed_address()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        var accepted = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = Listen(measurements, m =>
        {
            if (m.Instrument == "torsion.connections.accepted" && m.Port != "tcp:client")
            {
                accepted.TrySetResult(m.Port);
            }
        });
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "::1"));
        using var raw = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(IPAddress.IPv6Loopback, ((IPEndPoint)port.Host).Port).WaitAsync(Timeout);
        Assert.Equal($"tcp:[::1]:{((IPEndPoint)port.Host).Port}", await Within(accepted.Task));
    }
}
