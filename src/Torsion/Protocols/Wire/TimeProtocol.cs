using System.Buffers.Binary;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 868 Time over TCP: on connect, sends the time as a 32-bit unsigned big-endian count of seconds since
/// 1900-01-01 00:00 UTC, then closes. The count wraps modulo 2^32 (next in February 2036), as the RFC's field does.
/// </summary>
public sealed class TimeProtocol : Protocol
{
    private static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeProvider _time;

    /// <summary>Creates the protocol; <paramref name="time"/> gives wall-clock time (<see cref="TimeProvider.System"/> in production).</summary>
    public TimeProtocol(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <summary>The RFC 868 value for <paramref name="now"/>: whole seconds since 1900, modulo 2^32.</summary>
    public static uint SecondsSince1900(DateTimeOffset now) =>
        unchecked((uint)(ulong)Math.Floor((now - Epoch).TotalSeconds));

    /// <inheritdoc />
    public override void ConnectionMade()
    {
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, SecondsSince1900(_time.GetUtcNow()));
        Transport.Write(value);
        Transport.LoseConnection();
    }
}
