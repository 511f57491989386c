using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Torsion.Diagnostics;

namespace Torsion.Web.Tests.Static;

/// <summary>Sums the <c>torsion.bytes.sent_by_sendfile</c> counter per listening port (<c>tcp:127.0.0.1:PORT</c>).</summary>
public sealed class SendFileCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    public SendFileCounter()
    {
        var meter = TorsionMetrics.Shared.Meter;
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "torsion.bytes.sent_by_sendfile")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == PortTag.Name && t.Value is string port)
                {
                    _bytes.AddOrUpdate(port, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Bytes sent by sendfile(2) on connections of the listening port 127.0.0.1:<paramref name="port"/>.</summary>
    public long Bytes(int port) => _bytes.GetValueOrDefault($"tcp:127.0.0.1:{port}");

    public void Dispose() => _listener.Dispose();
}
