using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// An outgoing stream connection (TCP, Unix): the connector's states, its <see cref="ClientFactory"/>'s
/// notifications (started, failed, lost; started and stopped around them) and connecting again (for
/// <see cref="ReconnectingClientFactory"/>). Subclasses make the socket and connect it.
/// </summary>
internal abstract class StreamConnector : IConnector
{
    private readonly ReactorBase _reactor;
    private readonly ClientFactory _factory;
    private StreamConnection? _connection;
    private bool _factoryStarted;
    private int _attempt;

    private protected StreamConnector(ReactorBase reactor, ClientFactory factory)
    {
        _reactor = reactor;
        _factory = factory;
    }

    public abstract EndPoint Destination { get; }

    public ConnectorState State { get; private set; }

    private protected ReactorBase Reactor => _reactor;

    private protected ClientFactory Factory => _factory;

    /// <summary>How messages name where it connects to.</summary>
    private protected abstract string Target { get; }

    /// <summary>An attempt is starting, before the factory hears of it (TCP starts its timeout here).</summary>
    private protected virtual void OnAttemptStarting(int attempt)
    {
    }

    /// <summary>Makes the socket and connects it, ending in <see cref="Connected"/> or <see cref="Fail"/>.</summary>
    private protected abstract void BeginConnecting(int attempt);

    /// <summary>A connect is given up: release the socket, watches and timers of the attempt.</summary>
    private protected virtual void OnAttemptAbandoned()
    {
    }

    /// <summary>Who is on the other end of a connected socket (may set socket options first).</summary>
    private protected abstract EndPoint PeerOf(Socket socket);

    /// <summary>The connection for a connected socket and the protocol built for it.</summary>
    private protected abstract StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer);

    /// <summary>True while <paramref name="attempt"/> is the attempt in progress (not stopped, failed or replaced).</summary>
    private protected bool IsCurrent(int attempt) => State == ConnectorState.Connecting && attempt == _attempt;

    public void Connect()
    {
        _reactor.CheckThread("IConnector.Connect");
        if (State != ConnectorState.Disconnected)
        {
            throw new InvalidOperationException($"Cannot connect to {Target}: the connector is {State.ToString().ToLowerInvariant()} already.");
        }

        State = ConnectorState.Connecting;
        if (!_factoryStarted)
        {
            _factory.DoStart();
            _factoryStarted = true;
        }

        var attempt = ++_attempt;
        OnAttemptStarting(attempt);
        try
        {
            _factory.StartedConnecting(this);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"StartedConnecting of {_factory.GetType().Name}", e);
        }

        // The factory may have stopped this attempt (or stopped it and connected again) from its callback.
        if (IsCurrent(attempt))
        {
            BeginConnecting(attempt);
        }
    }

    /// <summary>The socket is connected: builds the protocol and the connection, or fails if the factory will not.</summary>
    private protected void Connected(Socket socket)
    {
        IProtocol? protocol;
        EndPoint peer;
        try
        {
            peer = PeerOf(socket);
            protocol = _factory.BuildProtocol(peer);
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(_reactor.Logger, $"Building a protocol for {this}", e);
            socket.Dispose();
            Failed(e);
            return;
        }

        if (protocol is null)
        {
            socket.Dispose();
            Failed(new ConnectionLostException($"{_factory.GetType().Name}.BuildProtocol returned null for the connection to {Target}."));
            return;
        }

        State = ConnectorState.Connected;
        _connection = Connection(socket, protocol, peer);
        _connection.Start();
    }

    /// <summary>The attempt in progress failed: abandons it and tells the factory (nothing if none is in progress).</summary>
    private protected void Fail(Exception reason)
    {
        if (State != ConnectorState.Connecting)
        {
            return;
        }

        OnAttemptAbandoned();
        Failed(reason);
    }

    private void Failed(Exception reason)
    {
        State = ConnectorState.Disconnected;
        try
        {
            _factory.ClientConnectionFailed(this, reason);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ClientConnectionFailed of {_factory.GetType().Name}", e);
        }

        StopFactoryIfIdle();
    }

    /// <summary>The connection made by this connector is gone.</summary>
    private protected void ConnectionLost(Exception reason)
    {
        _connection = null;
        State = ConnectorState.Disconnected;
        try
        {
            _factory.ClientConnectionLost(this, reason);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ClientConnectionLost of {_factory.GetType().Name}", e);
        }

        StopFactoryIfIdle();
    }

    private void StopFactoryIfIdle()
    {
        // The factory may have called Connect again from its callback (reconnecting); then it stays started.
        if (State == ConnectorState.Disconnected && _factoryStarted)
        {
            _factoryStarted = false;
            _factory.DoStop();
        }
    }

    public void StopConnecting()
    {
        _reactor.CheckThread("IConnector.StopConnecting");
        if (State != ConnectorState.Connecting)
        {
            throw new InvalidOperationException($"Cannot stop connecting to {Target}: the connector is {State.ToString().ToLowerInvariant()}.");
        }

        Fail(new OperationCanceledException($"Connecting to {Target} was stopped by StopConnecting."));
    }

    public void Disconnect()
    {
        _reactor.CheckThread("IConnector.Disconnect");
        if (State == ConnectorState.Connecting)
        {
            StopConnecting();
        }
        else if (State == ConnectorState.Connected)
        {
            _connection?.LoseConnection();
        }
    }
}
