using System.Net;

namespace Torsion.Protocols.Wire;

/// <summary>RFC 862 Echo over UDP: sends each datagram back to its sender.</summary>
public sealed class EchoDatagramProtocol : DatagramProtocol
{
    /// <inheritdoc />
    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from) => Transport.Write(datagram, from);
}
