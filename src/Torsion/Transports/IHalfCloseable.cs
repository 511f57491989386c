namespace Torsion.Transports;

/// <summary>A transport whose write side can be closed while reading goes on (TCP FIN, Unix shutdown).</summary>
public interface IHalfCloseable
{
    /// <summary>Closes the write side after pending writes are sent; reading continues.</summary>
    void LoseWriteConnection();
}
