using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// An outgoing Unix stream connection. A Unix connect on Linux completes or fails at once, so there is no
/// waiting for writability; the connector reports to its <see cref="ClientFactory"/> and can connect again
/// (for <see cref="ReconnectingClientFactory"/>).
/// </summary>
internal sealed class UnixConnector : IConnector
{
    private readonly ReactorBase _reactor;
    private readonly string _path;
    private readonly ClientFactory _factory;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private UnixConnection? _connection;
    private bool _factoryStarted;

    internal UnixConnector(ReactorBase reactor, string path, ClientFactory factory, TimeSpan timeout)
    {
        _reactor = reactor;
        _path = path;
        _factory = factory;
        _endPoint = UnixSocketFile.EndPointFor(path);
        Timeout = timeout;
    }

    /// <summary>The connect timeout given; unused on Linux, where a Unix connect never waits.</summary>
    public TimeSpan Timeout { get; }

    public EndPoint Destination => _endPoint;

    public ConnectorState State { get; private set; }

    public void Connect()
    {
        _reactor.CheckThread("IConnector.Connect");
        if (State != ConnectorState.Disconnected)
        {
            throw new InvalidOperationException($"Cannot connect to {this}: the connector is {State.ToString().ToLowerInvariant()} already.");
        }

        State = ConnectorState.Connecting;
        if (!_factoryStarted)
        {
            _factory.DoStart();
            _factoryStarted = true;
        }

        try
        {
            _factory.StartedConnecting(this);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"StartedConnecting of {_factory.GetType().Name}", e);
        }

        if (State != ConnectorState.Connecting)
        {
            return;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Blocking = false;
            socket.Connect(_endPoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var where = UnixSocketFile.Printable(_path);
            Failed(e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused (nothing listens there).", e),
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused: {e.Message}.", e),
                SocketError.WouldBlock => new ConnectionRefusedException($"Connection to the Unix socket '{where}' was refused: its listen queue is full.", e),
                _ => new ConnectionRefusedException($"Connecting to the Unix socket '{where}' failed: {e.Message} ({e.SocketErrorCode}).", e),
            });
            return;
        }

        IProtocol? protocol;
        try
        {
            protocol = _factory.BuildProtocol(_endPoint);
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
            Failed(new ConnectionLostException($"{_factory.GetType().Name}.BuildProtocol returned null for the connection to {this}."));
            return;
        }

        State = ConnectorState.Connected;
        _connection = new UnixConnection(_reactor, socket, protocol, _endPoint, UnnamedUnixEndPoint.Instance, ConnectionLost);
        _connection.Start();
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

    private void ConnectionLost(Exception reason)
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
            throw new InvalidOperationException($"Cannot stop connecting to {this}: the connector is {State.ToString().ToLowerInvariant()}.");
        }

        Failed(new OperationCanceledException($"Connecting to {this} was stopped by StopConnecting."));
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

    public override string ToString() => $"Unix connector to '{UnixSocketFile.Printable(_path)}' ({_factory.GetType().Name})";
}
