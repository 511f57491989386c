using System.Net;

namespace Torsion.Protocols.Wire;

/// <summary>RFC 863 Discard over UDP: throws every datagram away and answers nothing.</summary>
public sealed class DiscardDatagramProtocol : DatagramProtocol
{
    /// <summary>Datagrams received (and discarded).</summary>
    public long DatagramsDiscarded { get; private set; }

    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from) => DatagramsDiscarded++;
}
