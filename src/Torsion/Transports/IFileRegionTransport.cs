using Microsoft.Win32.SafeHandles;

namespace Torsion.Transports;

/// <summary>
/// A stream transport that sends a region of a file without copying it through managed memory (Netty's FileRegion):
/// on Linux with sendfile(2), else through a buffer with pread + send. TCP and Unix connections have it; TLS (its
/// bytes must be encrypted) and in-memory transports do not, so protocol code asks
/// (<c>transport is IFileRegionTransport</c>) and falls back to writing the bytes (a FileSender).
/// </summary>
/// <remarks>
/// A region is queued in order with <see cref="IConsumer.Write"/>: bytes written before it go out before it, bytes
/// written after it go out after it, and <see cref="ITransport.LoseConnection"/> closes after it. Its bytes count
/// towards the transport's high water mark like written bytes (a registered producer is paused while a large region
/// is unsent), but take no memory. When the file turns out shorter than the region (it was truncated), the connection
/// is closed with a <see cref="ConnectionLostException"/> that says so; the peer then sees a short body.
/// </remarks>
public interface IFileRegionTransport
{
    /// <summary>
    /// Queues <paramref name="count"/> bytes of <paramref name="file"/> starting at <paramref name="offset"/>. The
    /// transport keeps a reference on the handle until the region is sent or the connection ends, so the caller may
    /// dispose its handle right away. The file's own position is not used or moved. Ignored once the connection is
    /// closing, as writes are.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="file"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="file"/> is closed or invalid.</exception>
    void WriteFile(SafeFileHandle file, long offset, long count);
}
