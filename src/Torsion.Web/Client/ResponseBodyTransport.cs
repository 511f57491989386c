using System.Buffers;
using System.Net;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>
/// The transport a body protocol sees: read-only; pausing and resuming act on the connection, stopping aborts it
/// (the rest of the body is not wanted, so the connection cannot be reused).
/// </summary>
internal sealed class ResponseBodyTransport(ITransport connection, Action stop) : ITransport
{
    public bool Paused { get; private set; }

    public EndPoint Peer => connection.Peer;

    public EndPoint Host => connection.Host;

    public void Write(ReadOnlySpan<byte> data) => throw ReadOnly();

    public void WriteSequence(ReadOnlySequence<byte> data) => throw ReadOnly();

    public void RegisterProducer(IProducer producer, bool streaming) => throw ReadOnly();

    public void UnregisterProducer() => throw ReadOnly();

    public void LoseConnection() => stop();

    public void AbortConnection() => stop();

    public void StopProducing() => stop();

    public void PauseProducing()
    {
        if (!Paused)
        {
            Paused = true;
            connection.PauseProducing();
        }
    }

    public void ResumeProducing()
    {
        if (Paused)
        {
            Paused = false;
            connection.ResumeProducing();
        }
    }

    private static InvalidOperationException ReadOnly() =>
        new("A response body transport is read-only: it cannot be written to and takes no producer.");
}
