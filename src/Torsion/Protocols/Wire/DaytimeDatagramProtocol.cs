using System.Net;
using System.Text;

namespace Torsion.Protocols.Wire;

/// <summary>RFC 867 Daytime over UDP: answers each datagram with the date and time line of <see cref="DaytimeProtocol.Format"/>.</summary>
public sealed class DaytimeDatagramProtocol : DatagramProtocol
{
    private readonly TimeProvider _time;

    /// <summary>Creates the protocol; <paramref name="time"/> gives wall-clock time (<see cref="TimeProvider.System"/> in production).</summary>
    public DaytimeDatagramProtocol(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from) =>
        Transport.Write(Encoding.ASCII.GetBytes(DaytimeProtocol.Format(_time.GetUtcNow())), from);
}
