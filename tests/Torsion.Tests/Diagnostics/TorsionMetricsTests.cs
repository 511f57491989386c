using System.Diagnostics.Metrics;
using Torsion.Diagnostics;
using Torsion.Testing;

namespace Torsion.Tests.Diagnostics;

public sealed class TorsionMetricsTests
{
    private sealed record Measurement(string Instrument, long Value, string? Port);

    private static MeterListener Listen(TorsionMetrics metrics, List<Measurement> into)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
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

            into.Add(new Measurement(instrument.Name, value, port));
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public void The_meter_is_named_Torsion_with_the_six_instruments()
    {
        using var metrics = new TorsionMetrics();
        var names = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
                {
                    names.Add($"{instrument.Name}:{instrument.GetType().Name.Split('`')[0]}:{instrument.Unit}");
                }
            },
        };
        listener.Start();

        Assert.Equal("Torsion", metrics.Meter.Name);
        Assert.Equal(
            ["torsion.connections.open:UpDownCounter:{connection}", "torsion.connections.accepted:Counter:{connection}",
             "torsion.connections.closed:Counter:{connection}", "torsion.bytes.received:Counter:By", "torsion.bytes.sent:Counter:By",
             "torsion.bytes.sent_by_sendfile:Counter:By"],
            names);
    }

    [Fact]
    public void Connections_and_bytes_are_recorded_per_port()
    {
        using var metrics = new TorsionMetrics();
        var measurements = new List<Measurement>();
        using var listener = Listen(metrics, measurements);
        var web = new PortTag("tcp:127.0.0.1:8080");
        var ssh = new PortTag("tcp:0.0.0.0:2222");

        metrics.ConnectionAccepted(web);
        metrics.ConnectionAccepted(ssh);
        metrics.BytesReceived(web, 120);
        metrics.BytesSent(web, 4096);
        metrics.BytesSent(web, 0);
        metrics.FileBytesSent(web, 1024);
        metrics.FileBytesSent(web, 0);
        metrics.ConnectionClosed(web);

        Assert.Equal(
            [
                new("torsion.connections.accepted", 1, "tcp:127.0.0.1:8080"),
                new("torsion.connections.open", 1, "tcp:127.0.0.1:8080"),
                new("torsion.connections.accepted", 1, "tcp:0.0.0.0:2222"),
                new("torsion.connections.open", 1, "tcp:0.0.0.0:2222"),
                new("torsion.bytes.received", 120, "tcp:127.0.0.1:8080"),
                new("torsion.bytes.sent", 4096, "tcp:127.0.0.1:8080"),
                new("torsion.bytes.sent_by_sendfile", 1024, "tcp:127.0.0.1:8080"),
                new("torsion.connections.closed", 1, "tcp:127.0.0.1:8080"),
                new("torsion.connections.open", -1, "tcp:127.0.0.1:8080"),
            ],
            measurements);
    }

    [Fact]
    public void Recording_with_nobody_listening_allocates_nothing()
    {
        using var metrics = new TorsionMetrics();
        var port = new PortTag("tcp:127.0.0.1:1");
        metrics.ConnectionAccepted(port);

        Assert.Equal(0, Allocations.LeastAllocatedBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                metrics.ConnectionAccepted(port);
                metrics.BytesReceived(port, 100);
                metrics.BytesSent(port, 100);
                metrics.FileBytesSent(port, 100);
                metrics.ConnectionClosed(port);
            }
        }));
    }

    [Fact]
    public void Recording_while_listened_to_allocates_nothing()
    {
        using var metrics = new TorsionMetrics();
        long total = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => total += value);
        listener.Start();
        var port = new PortTag("tcp:127.0.0.1:2");
        metrics.BytesSent(port, 1);

        Assert.Equal(0, Allocations.LeastAllocatedBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                metrics.BytesSent(port, 1);
            }
        }));
        Assert.Equal(1 + (4 * 1000), total);
    }

    [Fact]
    public void A_port_tag_needs_a_name()
    {
        Assert.Throws<ArgumentException>(() => new PortTag(string.Empty));
    }
}
