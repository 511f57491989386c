using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Tcp;

/// <summary>
/// An outgoing TCP connection: a non-blocking connect watched for writability, with a timeout; reports to its
/// <see cref="ClientFactory"/> and can connect again (for <see cref="ReconnectingClientFactory"/>).
/// </summary>
internal sealed class TcpConnector : IConnector, IWriteDescriptor, ISocketDescriptor
{
    private readonly ReactorBase _reactor;
    private readonly string _host;
    private readonly int _port;
    private readonly ClientFactory _factory;
    private readonly TimeSpan _timeout;
    private readonly IPEndPoint? _bindAddress;
    private Socket? _socket;
    private IDelayedCall? _timeoutCall;
    private TcpConnection? _connection;
    private bool _factoryStarted;
    private bool _watching;
    private int _attempt;

    internal TcpConnector(ReactorBase reactor, string host, int port, ClientFactory factory, TimeSpan timeout, IPEndPoint? bindAddress)
    {
        _reactor = reactor;
        _host = host;
        _port = port;
        _factory = factory;
        _timeout = timeout;
        _bindAddress = bindAddress;
        Destination = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }

    public EndPoint Destination { get; private set; }

    public ConnectorState State { get; private set; }

    public int FileDescriptor => _socket is null ? -1 : (int)_socket.Handle;

    public Socket Socket => _socket ?? throw new InvalidOperationException("The connector has no socket now.");

    public void Connect()
    {
        _reactor.CheckThread("IConnector.Connect");
        if (State != ConnectorState.Disconnected)
        {
            throw new InvalidOperationException($"Cannot connect to {Destination}: the connector is {State.ToString().ToLowerInvariant()} already.");
        }

        State = ConnectorState.Connecting;
        if (!_factoryStarted)
        {
            _factory.DoStart();
            _factoryStarted = true;
        }

        var attempt = ++_attempt;
        _timeoutCall = _reactor.CallLater(_timeout, () =>
        {
            _timeoutCall = null;
            Fail(new TimeoutException($"Connecting to {Destination} timed out after {_timeout.TotalSeconds:0.###} s."));
        });
        try
        {
            _factory.StartedConnecting(this);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"StartedConnecting of {_factory.GetType().Name}", e);
        }

        if (State != ConnectorState.Connecting || attempt != _attempt)
        {
            return;
        }

        if (Destination is IPEndPoint ip)
        {
            Begin(ip);
            return;
        }

        Dns.GetHostAddressesAsync(_host).ContinueWith(
            task => _reactor.CallFromThread(() =>
            {
                if (State != ConnectorState.Connecting || attempt != _attempt)
                {
                    return;
                }

                if (task.IsFaulted || task.Result.Length == 0)
                {
                    Fail(new DnsLookupException($"Looking up '{_host}' failed: {task.Exception?.InnerException?.Message ?? "no addresses"}.", task.Exception?.InnerException));
                    return;
                }

                Begin(new IPEndPoint(task.Result[0], _port));
            }),
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private void Begin(IPEndPoint endPoint)
    {
        Destination = endPoint;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        _socket = socket;
        try
        {
            if (_bindAddress is not null)
            {
                socket.Bind(_bindAddress);
            }

            socket.Connect(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
        {
            _watching = true;
            _reactor.AddWriter(this);
            return;
        }
        catch (SocketException e)
        {
            Fail(ConnectError(e.SocketErrorCode, e));
            return;
        }

        Connected();
    }

    public Exception? DoWrite()
    {
        if (State != ConnectorState.Connecting || _socket is null)
        {
            return null;
        }

        StopWatching();
        var error = Libc.UseRawIO
            ? ToSocketError(Libc.GetInt((int)_socket.Handle, Libc.SOL_SOCKET, Libc.SO_ERROR))
            : (SocketError)(int)_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error == SocketError.Success)
        {
            Connected();
        }
        else
        {
            Fail(ConnectError(error, null));
        }

        return null;
    }

    private static SocketError ToSocketError(int errno) => errno switch
    {
        0 => SocketError.Success,
        Libc.ECONNREFUSED => SocketError.ConnectionRefused,
        Libc.ETIMEDOUT => SocketError.TimedOut,
        Libc.ECONNRESET => SocketError.ConnectionReset,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        _ => SocketError.SocketError,
    };

    private Exception ConnectError(SocketError error, Exception? inner) => error switch
    {
        SocketError.ConnectionRefused => new ConnectionRefusedException($"Connection to {Destination} was refused (nothing listens there).", inner ?? new SocketException((int)error)),
        SocketError.TimedOut => new TimeoutException($"Connecting to {Destination} timed out.", inner),
        _ => new ConnectionLostException($"Connecting to {Destination} failed: {error}.", inner ?? new SocketException((int)error)),
    };

    private void Connected()
    {
        CancelTimeout();
        var socket = _socket!;
        _socket = null;
        IProtocol? protocol;
        EndPoint peer;
        try
        {
            socket.NoDelay = true;
            peer = socket.RemoteEndPoint ?? Destination;
            protocol = _factory.BuildProtocol(peer);
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(_reactor.Logger, $"Building a protocol for {Destination} with {_factory.GetType().Name}", e);
            socket.Dispose();
            Failed(e);
            return;
        }

        if (protocol is null)
        {
            socket.Dispose();
            Failed(new ConnectionLostException($"{_factory.GetType().Name}.BuildProtocol returned null for the connection to {Destination}."));
            return;
        }

        State = ConnectorState.Connected;
        _connection = new TcpConnection(_reactor, socket, protocol, peer, this);
        _connection.Start();
    }

    private void Fail(Exception reason)
    {
        if (State != ConnectorState.Connecting)
        {
            return;
        }

        CancelTimeout();
        StopWatching();
        _socket?.Dispose();
        _socket = null;
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
    internal void ConnectionLost(Exception reason)
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

    private void CancelTimeout()
    {
        if (_timeoutCall is { Active: true })
        {
            _timeoutCall.Cancel();
        }

        _timeoutCall = null;
    }

    private void StopWatching()
    {
        if (_watching)
        {
            _watching = false;
            _reactor.RemoveWriter(this);
        }
    }

    public void StopConnecting()
    {
        _reactor.CheckThread("IConnector.StopConnecting");
        if (State != ConnectorState.Connecting)
        {
            throw new InvalidOperationException($"Cannot stop connecting to {Destination}: the connector is {State.ToString().ToLowerInvariant()}.");
        }

        Fail(new OperationCanceledException($"Connecting to {Destination} was stopped by StopConnecting."));
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

    void IDescriptor.ConnectionLost(Exception reason) => Fail(reason);

    public override string ToString() => $"TCP connector to {Destination} ({_factory.GetType().Name})";
}
