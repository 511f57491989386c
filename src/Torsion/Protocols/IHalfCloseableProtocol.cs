namespace Torsion.Protocols;

/// <summary>
/// A protocol that wants to hear about half-closes instead of having the connection closed when the
/// peer stops sending.
/// </summary>
public interface IHalfCloseableProtocol
{
    /// <summary>The peer closed its write side: no more data will arrive, but this side may still write.</summary>
    void ReadConnectionLost();

    /// <summary>This side's write side has been closed (after <c>LoseWriteConnection</c>).</summary>
    void WriteConnectionLost();
}
