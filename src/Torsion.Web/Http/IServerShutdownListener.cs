namespace Torsion.Web.Http;

/// <summary>
/// A protocol that took over a connection with <see cref="HttpServerResponse.Upgrade"/> and wants to hear when the
/// server stops gracefully (<see cref="HttpServerFactory.Shutdown"/>, SIGTERM under <c>torsion</c>): it should tell its
/// peer in its own terms and close the connection. A connection still open at the shutdown timeout is aborted; an
/// upgraded protocol that does not implement this interface is left alone until then.
/// <see cref="WebSocket.WebSocketProtocol"/> implements it with a close frame 1001 (going away).
/// </summary>
public interface IServerShutdownListener
{
    /// <summary>The server is shutting down; called once, on the connection's reactor thread.</summary>
    void ServerShuttingDown();
}
