using Torsion.Transports;
using Torsion.Web.Client;

namespace Torsion.Web.Http2;

/// <summary>
/// The transport a response body protocol sees on an HTTP/2 stream: pausing stops crediting the stream's window (so
/// the server stops sending on that stream only), stopping resets the stream with CANCEL.
/// </summary>
internal sealed class Http2BodyTransport(Http2ClientStream stream, ITransport connection) : ReadOnlyBodyTransport(connection)
{
    protected override void Stop() => stream.Cancel("The response body was stopped by its reader.");

    protected override void Pause()
    {
        // Nothing to do at once: the stream reads Paused before crediting window.
    }

    protected override void Resume() => stream.ResumeBody();
}
