using System.Buffers;
using System.Net;
using Torsion.Transports;

namespace Torsion.Web.Http2;

/// <summary>
/// The transport a response body protocol sees on an HTTP/2 stream: read-only; pausing stops crediting the stream's
/// window (so the server stops sending on that stream only), stopping resets the stream with CANCEL.
/// </summary>
internal sealed class Http2BodyTransport(Http2ClientStream stream, ITransport connection) : ITransport
{
    public bool Paused { get; private set; }

    public EndPoint Peer => connection.Peer;

    public EndPoint Host => connection.Host;

    public void Write(ReadOnlySpan<byte> data) => throw ReadOnly();

    public void WriteSequence(ReadOnlySequence<byte> data) => throw ReadOnly();

    public void RegisterProducer(IProducer producer, bool streaming) => throw ReadOnly();

    public void UnregisterProducer() => throw ReadOnly();

    public void LoseConnection() => stream.Cancel("The response body was stopped by its reader.");

    public void AbortConnection() => stream.Cancel("The response body was stopped by its reader.");

    public void StopProducing() => stream.Cancel("The response body was stopped by its reader.");

    public void PauseProducing()
    {
        Paused = true;
    }

    public void ResumeProducing()
    {
        if (Paused)
        {
            Paused = false;
            stream.ResumeBody();
        }
    }

    private static InvalidOperationException ReadOnly() =>
        new("A response body transport is read-only: it cannot be written to and takes no producer.");
}
