namespace Torsion.Protocols.Socks;

/// <summary>The destination side of a relayed SOCKS connection (CONNECT's outgoing one, BIND's incoming one).</summary>
internal sealed class SocksRelayProtocol(SocksServerProtocol server) : Protocol, IHalfCloseableProtocol
{
    public override void ConnectionMade() => server.RelayConnected(this);

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (server.Connected)
        {
            server.Transport.Write(data);
        }
    }

    public void ReadConnectionLost()
    {
        if (server.Connected)
        {
            SocksServerProtocol.CloseWriteSide(server.Transport);
        }
    }

    public void WriteConnectionLost()
    {
    }

    public override void ConnectionLost(Exception reason)
    {
        if (server.Connected)
        {
            server.Transport.LoseConnection();
        }
    }
}
