using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// A server connection that <see cref="HttpServerFactory"/> tracks for its graceful shutdown: an HTTP/1.1
/// <see cref="HttpServerProtocol"/> or a <see cref="Http2.NegotiatingHttpProtocol"/>. Both members run on
/// <see cref="Time"/>'s thread only.
/// </summary>
internal interface IHttpServerConnection
{
    /// <summary>The reactor the connection lives on (its thread is the only one that may touch it).</summary>
    IReactorTime Time { get; }

    /// <summary>Starts the graceful shutdown; harmless on a connection that is closing or closed.</summary>
    void Drain();

    /// <summary>Drops the connection at once (the shutdown timeout passed).</summary>
    void Abort();
}
