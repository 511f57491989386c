using System.Buffers;
using System.Net;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>
/// The transport a response body protocol sees: read-only (writes and producers are refused); pausing, resuming and
/// stopping are passed to the connection or stream underneath by the subclass.
/// </summary>
internal abstract class ReadOnlyBodyTransport(ITransport connection) : ITransport
{
    public bool Paused { get; private set; }

    public EndPoint Peer => connection.Peer;

    public EndPoint Host => connection.Host;

    /// <summary>The connection underneath.</summary>
    protected ITransport Connection => connection;

    public void Write(ReadOnlySpan<byte> data) => throw ReadOnly();

    public void WriteSequence(ReadOnlySequence<byte> data) => throw ReadOnly();

    public void RegisterProducer(IProducer producer, bool streaming) => throw ReadOnly();

    public void UnregisterProducer() => throw ReadOnly();

    public void LoseConnection() => Stop();

    public void AbortConnection() => Stop();

    public void StopProducing() => Stop();

    public void PauseProducing()
    {
        if (!Paused)
        {
            Paused = true;
            Pause();
        }
    }

    public void ResumeProducing()
    {
        if (Paused)
        {
            Paused = false;
            Resume();
        }
    }

    /// <summary>The reader does not want the rest of the body.</summary>
    protected abstract void Stop();

    /// <summary>The reader paused.</summary>
    protected abstract void Pause();

    /// <summary>The reader resumed.</summary>
    protected abstract void Resume();

    private static InvalidOperationException ReadOnly() =>
        new("A response body transport is read-only: it cannot be written to and takes no producer.");
}
