using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>
/// The transport an HTTP/1.1 body protocol sees: pausing and resuming act on the connection, stopping aborts it
/// (the rest of the body is not wanted, so the connection cannot be reused).
/// </summary>
internal sealed class ResponseBodyTransport(ITransport connection, Action stop) : ReadOnlyBodyTransport(connection)
{
    protected override void Stop() => stop();

    protected override void Pause() => Connection.PauseProducing();

    protected override void Resume() => Connection.ResumeProducing();
}
