using Microsoft.Win32.SafeHandles;
using Torsion.Transports;

namespace Torsion.Web.Http;

/// <summary>The body of a response sent from a file by the connection itself (sendfile(2)), with no copy in this process.</summary>
public sealed partial class HttpServerResponse
{
    /// <summary>
    /// Whether <see cref="TryWriteFile"/> would send a file now: an HTTP/1.x connection whose transport is an
    /// <see cref="IFileRegionTransport"/> (not TLS, not HTTP/2), a response whose head is not sent, with nothing
    /// written yet, that has a body (not HEAD, 1xx, 204, 304).
    /// </summary>
    public bool CanWriteFile =>
        _stream is null && !Finished && !_abandoned && !HeadersSent && _bodyLength == 0 && !_isHead
        && StatusAllowsBody(StatusCode) && _protocol.Transport is IFileRegionTransport;

    /// <summary>
    /// Sends the head with <c>Content-Length: </c><paramref name="count"/>, then <paramref name="count"/> bytes of
    /// <paramref name="file"/> from <paramref name="offset"/> as the whole body (queued in order on the connection,
    /// see <see cref="IFileRegionTransport.WriteFile"/>; the caller may dispose its handle at once). Returns false and
    /// sends nothing when <see cref="CanWriteFile"/> is false: the caller then writes the bytes itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">The response is finished.</exception>
    public bool TryWriteFile(SafeFileHandle file, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Finished)
        {
            throw new InvalidOperationException("The response is finished; nothing more can be written.");
        }

        if (!CanWriteFile)
        {
            return false;
        }

        ContentLength = count;
        WriteHead(finishing: false);
        ((IFileRegionTransport)_protocol.Transport).WriteFile(file, offset, count);
        BodyBytesSent += count;
        return true;
    }
}
