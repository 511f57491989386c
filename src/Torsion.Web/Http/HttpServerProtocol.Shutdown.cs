using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>The graceful shutdown of one HTTP/1.1 connection (RFC 9112 section 9.6), driven by <see cref="HttpServerFactory.Shutdown"/>.</summary>
public sealed partial class HttpServerProtocol
{
    IReactorTime IHttpServerConnection.Time => _time;

    void IHttpServerConnection.Drain() => Shutdown();

    void IHttpServerConnection.Abort()
    {
        if (Connected)
        {
            _closing = true;
            CancelTimer();
            Transport.AbortConnection();
        }
    }

    /// <summary>Whether <see cref="Shutdown"/> was called.</summary>
    public bool IsShuttingDown => _draining;

    /// <summary>
    /// Starts a graceful close (the server is stopping; RFC 9112 section 9.6): an idle connection closes at once; with
    /// a request in flight its response finishes (saying <c>Connection: close</c> when its head was not sent yet) and
    /// the connection closes after it, so requests pipelined behind it are read by nobody and get no answer; a
    /// connection handed to another protocol by <see cref="HttpServerResponse.Upgrade"/> tells it when it implements
    /// <see cref="IServerShutdownListener"/> (a WebSocket sends a close frame 1001, going away, and closes after the close
    /// handshake) and is otherwise left as it is. Call it on the connection's reactor thread.
    /// </summary>
    public void Shutdown()
    {
        if (_draining || !Connected)
        {
            return;
        }

        _draining = true;
        if (_upgraded is not null)
        {
            CloseUpgraded();
            return;
        }

        if (!_closing && !_inRequest)
        {
            Close();
        }
    }

    private void CloseUpgraded()
    {
        if (_upgraded is IServerShutdownListener listener)
        {
            listener.ServerShuttingDown();
        }
    }
}
