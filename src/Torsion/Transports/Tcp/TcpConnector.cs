using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Tcp;

/// <summary>
/// An outgoing TCP connection: a host name looked up, then a non-blocking connect watched for writability, with a
/// timeout over both; the rest (states, <see cref="ClientFactory"/> notifications, connecting again) is
/// <see cref="StreamConnector"/>'s.
/// </summary>
internal sealed class TcpConnector : StreamConnector, IWriteDescriptor, ISocketDescriptor
{
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _timeout;
    private readonly IPEndPoint? _bindAddress;
    private EndPoint _destination;
    private Socket? _socket;
    private IDelayedCall? _timeoutCall;
    private bool _watching;

    internal TcpConnector(ReactorBase reactor, string host, int port, ClientFactory factory, TimeSpan timeout, IPEndPoint? bindAddress)
        : base(reactor, factory)
    {
        _host = host;
        _port = port;
        _timeout = timeout;
        _bindAddress = bindAddress;
        _destination = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
    }

    public override EndPoint Destination => _destination;

    public int FileDescriptor => _socket is null ? -1 : (int)_socket.Handle;

    public Socket Socket => _socket ?? throw new InvalidOperationException("The connector has no socket now.");

    private protected override string Target => Destination.ToString()!;

    private protected override void OnAttemptStarting(int attempt)
    {
        _timeoutCall = Reactor.CallLater(_timeout, () =>
        {
            _timeoutCall = null;
            Fail(new TimeoutException($"Connecting to {Destination} timed out after {_timeout.TotalSeconds:0.###} s."));
        });
    }

    private protected override void BeginConnecting(int attempt)
    {
        if (Destination is IPEndPoint ip)
        {
            Begin(ip);
            return;
        }

        Dns.GetHostAddressesAsync(_host).ContinueWith(
            task => Reactor.CallFromThread(() =>
            {
                if (!IsCurrent(attempt))
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
        _destination = endPoint;
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
            Reactor.AddWriter(this);
            return;
        }
        catch (SocketException e)
        {
            Fail(ConnectError(e.SocketErrorCode, e));
            return;
        }

        Completed();
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
            Completed();
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

    /// <summary>The connect went through: the socket passes to <see cref="StreamConnector.Connected"/>.</summary>
    private void Completed()
    {
        CancelTimeout();
        var socket = _socket!;
        _socket = null;
        Connected(socket);
    }

    private protected override EndPoint PeerOf(Socket socket)
    {
        socket.NoDelay = true;
        return socket.RemoteEndPoint ?? Destination;
    }

    private protected override StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer) =>
        new TcpConnection(Reactor, socket, protocol, peer, ConnectionLost);

    private protected override void OnAttemptAbandoned()
    {
        CancelTimeout();
        StopWatching();
        _socket?.Dispose();
        _socket = null;
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
            Reactor.RemoveWriter(this);
        }
    }

    void IDescriptor.ConnectionLost(Exception reason) => Fail(reason);

    public override string ToString() => $"TCP connector to {Destination} ({Factory.GetType().Name})";
}
