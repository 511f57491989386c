namespace Torsion.Protocols.Wire;

/// <summary>RFC 863 Discard over TCP: throws away whatever it receives and sends nothing.</summary>
public sealed class DiscardProtocol : Protocol
{
    /// <summary>Bytes received (and discarded) on this connection.</summary>
    public long BytesDiscarded { get; private set; }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data) => BytesDiscarded += data.Length;
}
