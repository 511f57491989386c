using Microsoft.Win32.SafeHandles;

namespace Torsion.Web.Server;

/// <summary>A body sent from a file by the connection (sendfile(2)).</summary>
public sealed partial class Request
{
    /// <summary>
    /// Sends the header fields set so far, <c>Content-Length: </c><paramref name="count"/> and then
    /// <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> as the body, without
    /// copying them through this process (<see cref="Http.HttpServerResponse.TryWriteFile"/>). Returns false, sending
    /// nothing, when the connection cannot (TLS, HTTP/2, HEAD, a body already started): then write the bytes.
    /// The request still has to be finished.
    /// </summary>
    public bool TryWriteFile(SafeFileHandle file, long offset, long count)
    {
        if (Finished || !Response.CanWriteFile)
        {
            return false;
        }

        FlushHeaders();
        return Response.TryWriteFile(file, offset, count);
    }
}
