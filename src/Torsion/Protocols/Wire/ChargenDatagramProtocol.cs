using System.Net;

namespace Torsion.Protocols.Wire;

/// <summary>
/// RFC 864 Character Generator over UDP: answers each datagram with one datagram of 0 to
/// <see cref="MaxReplyLength"/> characters (the length chosen at random, as the RFC asks) taken from the rotating
/// pattern of <see cref="ChargenProtocol.Cycle"/>, continuing where the previous answer stopped.
/// </summary>
public sealed class ChargenDatagramProtocol : DatagramProtocol
{
    /// <summary>The longest answer: 512 characters (RFC 864).</summary>
    public const int MaxReplyLength = 512;

    private readonly Random _random;
    private int _offset;

    /// <summary>Creates the protocol; <paramref name="random"/> picks the answer lengths (a new generator when null).</summary>
    public ChargenDatagramProtocol(Random? random = null) => _random = random ?? new Random();

    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        var cycle = ChargenProtocol.Cycle;
        Span<byte> reply = stackalloc byte[MaxReplyLength];
        var length = _random.Next(MaxReplyLength + 1);
        for (var i = 0; i < length; i++)
        {
            reply[i] = cycle[_offset];
            _offset = (_offset + 1) % cycle.Length;
        }

        Transport.Write(reply[..length], from);
    }
}
