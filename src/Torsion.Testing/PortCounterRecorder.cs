using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Torsion.Diagnostics;

namespace Torsion.Testing;

/// <summary>
/// Sums one of Torsion's counters (an instrument of <see cref="TorsionMetrics"/>'s meter, e.g.
/// <c>torsion.bytes.sent_by_sendfile</c>) per listening port, for tests that check which path a server took.
/// Measurements are recorded from every thread while the recorder is not disposed.
/// </summary>
public sealed class PortCounterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

    /// <summary>Starts recording the counter named <paramref name="instrumentName"/>.</summary>
    public PortCounterRecorder(string instrumentName)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var meter = TorsionMetrics.Shared.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PortTag.Name && tag.Value is string port)
                {
                    _sums.AddOrUpdate(port, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>The sum recorded so far for the port tagged <paramref name="port"/> (e.g. <c>tcp:127.0.0.1:8080</c>).</summary>
    public long Sum(string port) => _sums.GetValueOrDefault(port);

    /// <summary>Stops recording.</summary>
    public void Dispose() => _listener.Dispose();
}
