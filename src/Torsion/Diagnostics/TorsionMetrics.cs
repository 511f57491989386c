using System.Diagnostics.Metrics;

namespace Torsion.Diagnostics;

/// <summary>
/// The <c>Torsion</c> meter (System.Diagnostics.Metrics): connections and bytes per listening port,
/// readable with <c>dotnet-counters monitor --counters Torsion</c> and OpenTelemetry's
/// <c>AddMeter("Torsion")</c>.
/// </summary>
/// <remarks>
/// <para>Instruments, each tagged with <c>torsion.port</c> (see <see cref="PortTag"/>):</para>
/// <list type="table">
/// <item><term><c>torsion.connections.open</c></term><description>UpDownCounter: connections open now.</description></item>
/// <item><term><c>torsion.connections.accepted</c></term><description>Counter: connections accepted.</description></item>
/// <item><term><c>torsion.connections.closed</c></term><description>Counter: connections closed (clean or not).</description></item>
/// <item><term><c>torsion.bytes.received</c></term><description>Counter (bytes): bytes read from peers.</description></item>
/// <item><term><c>torsion.bytes.sent</c></term><description>Counter (bytes): bytes written to peers.</description></item>
/// <item><term><c>torsion.bytes.sent_by_sendfile</c></term><description>Counter (bytes): the part of them sent from files by sendfile(2), without a copy.</description></item>
/// </list>
/// <para>How transports use it: a listening port makes its <see cref="PortTag"/> once
/// (<c>new PortTag("tcp:127.0.0.1:8080")</c>) and calls <see cref="ConnectionAccepted"/> when it accepts,
/// <see cref="ConnectionClosed"/> when a connection is gone, and <see cref="BytesReceived"/> /
/// <see cref="BytesSent"/> once per read or send syscall with the byte count. Each call checks
/// <see cref="Instrument.Enabled"/> first, so with nobody listening it is a field load and a branch,
/// and it never allocates. Transports use <see cref="Shared"/> unless one was handed to them.</para>
/// </remarks>
public sealed class TorsionMetrics : IDisposable
{
    /// <summary>The name of the meter.</summary>
    public const string MeterName = "Torsion";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _fileBytesSent;

    /// <summary>The process-wide instance the transports record to by default.</summary>
    public static TorsionMetrics Shared { get; } = new();

    /// <summary>Makes a meter of its own (tests, or a host's <see cref="IMeterFactory"/> when given).</summary>
    public TorsionMetrics(IMeterFactory? meterFactory = null)
    {
        var version = typeof(TorsionMetrics).Assembly.GetName().Version?.ToString();
        _meter = meterFactory is null ? new Meter(MeterName, version) : meterFactory.Create(MeterName, version);
        _open = _meter.CreateUpDownCounter<long>("torsion.connections.open", "{connection}", "Connections open now.");
        _accepted = _meter.CreateCounter<long>("torsion.connections.accepted", "{connection}", "Connections accepted.");
        _closed = _meter.CreateCounter<long>("torsion.connections.closed", "{connection}", "Connections closed.");
        _bytesReceived = _meter.CreateCounter<long>("torsion.bytes.received", "By", "Bytes read from peers.");
        _bytesSent = _meter.CreateCounter<long>("torsion.bytes.sent", "By", "Bytes written to peers.");
        _fileBytesSent = _meter.CreateCounter<long>("torsion.bytes.sent_by_sendfile", "By", "Bytes sent from files by sendfile(2) (counted in torsion.bytes.sent too).");
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter => _meter;

    /// <summary>Records a connection accepted on <paramref name="port"/>: accepted +1 and open +1.</summary>
    public void ConnectionAccepted(in PortTag port)
    {
        if (_accepted.Enabled)
        {
            _accepted.Add(1, port.Tag);
        }

        if (_open.Enabled)
        {
            _open.Add(1, port.Tag);
        }
    }

    /// <summary>Records a connection on <paramref name="port"/> gone: closed +1 and open -1.</summary>
    public void ConnectionClosed(in PortTag port)
    {
        if (_closed.Enabled)
        {
            _closed.Add(1, port.Tag);
        }

        if (_open.Enabled)
        {
            _open.Add(-1, port.Tag);
        }
    }

    /// <summary>Records <paramref name="count"/> bytes read from a connection of <paramref name="port"/>.</summary>
    public void BytesReceived(in PortTag port, long count)
    {
        if (_bytesReceived.Enabled && count > 0)
        {
            _bytesReceived.Add(count, port.Tag);
        }
    }

    /// <summary>Records <paramref name="count"/> bytes written to a connection of <paramref name="port"/>.</summary>
    public void BytesSent(in PortTag port, long count)
    {
        if (_bytesSent.Enabled && count > 0)
        {
            _bytesSent.Add(count, port.Tag);
        }
    }

    /// <summary>Records <paramref name="count"/> bytes of a file sent to a connection of <paramref name="port"/> by sendfile(2) (also recorded by <see cref="BytesSent"/>).</summary>
    public void FileBytesSent(in PortTag port, long count)
    {
        if (_fileBytesSent.Enabled && count > 0)
        {
            _fileBytesSent.Add(count, port.Tag);
        }
    }

    /// <summary>Disposes the meter; its listeners stop receiving measurements.</summary>
    public void Dispose() => _meter.Dispose();
}
