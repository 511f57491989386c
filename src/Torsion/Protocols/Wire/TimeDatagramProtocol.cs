using System.Buffers.Binary;
using System.Net;

namespace Torsion.Protocols.Wire;

/// <summary>RFC 868 Time over UDP: answers each datagram with the 32-bit big-endian seconds since 1900 (<see cref="TimeProtocol.SecondsSince1900"/>).</summary>
public sealed class TimeDatagramProtocol : DatagramProtocol
{
    private readonly TimeProvider _time;

    /// <summary>Creates the protocol; <paramref name="time"/> gives wall-clock time (<see cref="TimeProvider.System"/> in production).</summary>
    public TimeDatagramProtocol(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, TimeProtocol.SecondsSince1900(_time.GetUtcNow()));
        Transport.Write(value, from);
    }
}
