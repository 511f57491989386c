namespace Torsion.Protocols.PortForward;

/// <summary>
/// The outgoing side of a forwarded connection (twisted.protocols.portforward.ProxyClient): relays what the
/// destination sends to the client; its close closes the client side after pending writes.
/// </summary>
public sealed class PortForwardClientProtocol : Protocol, IHalfCloseableProtocol
{
    private readonly PortForwardServerProtocol _server;

    /// <summary>Creates the outbound side for <paramref name="server"/>.</summary>
    public PortForwardClientProtocol(PortForwardServerProtocol server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _server = server;
    }

    /// <inheritdoc />
    public override void ConnectionMade() => _server.OutboundConnected(this);

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_server.Connected)
        {
            _server.Transport.Write(data);
        }
    }

    /// <summary>The destination stopped sending: stop sending to the client once the relayed bytes are out.</summary>
    public void ReadConnectionLost()
    {
        if (_server.Connected)
        {
            PortForwardServerProtocol.CloseWriteSide(_server.Transport);
        }
    }

    /// <inheritdoc />
    public void WriteConnectionLost()
    {
    }

    /// <summary>The destination is gone: close the client after its pending writes.</summary>
    public override void ConnectionLost(Exception reason)
    {
        if (_server.Connected)
        {
            _server.Transport.LoseConnection();
        }
    }
}
