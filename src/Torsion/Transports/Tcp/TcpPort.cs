using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Tcp;

/// <summary>
/// A listening TCP socket on a reactor: accepts up to a batch of connections per readiness event and builds a
/// protocol for each. Out of descriptors (EMFILE), it stops accepting for a while instead of spinning.
/// </summary>
internal sealed unsafe class TcpPort : IListeningPort, IReadDescriptor, ISocketDescriptor
{
    private const int AcceptsPerEvent = 64;
    private const int SO_ACCEPTCONN = 30;
    private static readonly TimeSpan FirstAcceptPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestAcceptPause = TimeSpan.FromSeconds(1);

    private readonly ReactorBase _reactor;
    private readonly Socket _socket;
    private readonly IProtocolFactory _factory;
    private readonly int _fd;
    private bool _listening;
    private bool _reading;
    private TimeSpan _acceptPause = FirstAcceptPause;
    private IDelayedCall? _resumeAccepting;

    private TcpPort(ReactorBase reactor, Socket socket, IProtocolFactory factory)
    {
        _reactor = reactor;
        _socket = socket;
        _factory = factory;
        _fd = (int)socket.Handle;
        Host = socket.LocalEndPoint!;
    }

    public EndPoint Host { get; }

    public int FileDescriptor => _listening ? _fd : -1;

    public Socket Socket => _socket;

    /// <summary>Parses an interface argument: null or empty means all IPv4 interfaces.</summary>
    internal static IPAddress ParseInterface(string? interfaceAddress) =>
        string.IsNullOrEmpty(interfaceAddress) ? IPAddress.Any
        : IPAddress.TryParse(interfaceAddress, out var address) ? address
        : throw new ArgumentException($"The interface to listen on must be an IP literal such as 127.0.0.1 or ::1, not '{interfaceAddress}'.", nameof(interfaceAddress));

    internal static TcpPort Listen(ReactorBase reactor, int port, IProtocolFactory factory, int backlog, string? interfaceAddress, bool reusePort)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 0);
        var address = ParseInterface(interfaceAddress);
        var endPoint = new IPEndPoint(address, port);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (Libc.UseRawIO)
            {
                // POSIX SO_REUSEADDR only allows rebinding over TIME_WAIT after a restart; it never shares a live port.
                // (Not through .NET's ReuseAddress: on Unix that sets SO_REUSEPORT too, and would share a live port.)
                Libc.SetInt((int)socket.Handle, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            }

            if (reusePort)
            {
                Libc.SetInt((int)socket.Handle, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }

            socket.Blocking = false;
            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another socket listens there)",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                SocketError.AddressNotAvailable => "no interface of this machine has that address",
                _ => e.Message,
            };
            throw new CannotListenException(endPoint, reason, e);
        }

        var listening = new TcpPort(reactor, socket, factory);
        factory.DoStart();
        listening._listening = true;
        reactor.Ports.Add(listening);
        listening.StartAccepting();
        return listening;
    }

    /// <summary>Accepts on a listening socket made elsewhere (systemd socket activation): works on a close-on-exec copy.</summary>
    internal static TcpPort Adopt(ReactorBase reactor, int fileDescriptor, AddressFamily addressFamily, IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (addressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new NotSupportedException($"Only TCP listening sockets (InterNetwork, InterNetworkV6) can be adopted, not {addressFamily}.");
        }

        var copy = UnixLibc.Duplicate(fileDescriptor);
        if (copy < 0)
        {
            throw new ArgumentException($"Descriptor {fileDescriptor} cannot be adopted: {Libc.Describe(Libc.Errno)}.", nameof(fileDescriptor));
        }

        var socket = new Socket(new SafeSocketHandle(copy, ownsHandle: true));
        try
        {
            if (socket.SocketType != SocketType.Stream || socket.AddressFamily != addressFamily)
            {
                throw new ArgumentException(
                    $"Descriptor {fileDescriptor} is a {socket.AddressFamily} {socket.SocketType} socket, not a {addressFamily} stream socket.", nameof(fileDescriptor));
            }

            if (Libc.GetInt(copy, Libc.SOL_SOCKET, SO_ACCEPTCONN) == 0)
            {
                throw new ArgumentException($"Descriptor {fileDescriptor} ({socket.LocalEndPoint}) is not listening (listen() was not called on it).", nameof(fileDescriptor));
            }

            socket.Blocking = false;
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var listening = new TcpPort(reactor, socket, factory);
        factory.DoStart();
        listening._listening = true;
        reactor.Ports.Add(listening);
        listening.StartAccepting();
        return listening;
    }

    private void StartAccepting()
    {
        if (_listening && !_reading)
        {
            _reading = true;
            _reactor.AddReader(this);
        }
    }

    private void StopAccepting()
    {
        if (_reading)
        {
            _reading = false;
            _reactor.RemoveReader(this);
        }
    }

    public Exception? DoRead()
    {
        for (var i = 0; i < AcceptsPerEvent && _listening; i++)
        {
            Socket socket;
            if (Libc.UseRawIO)
            {
                var fd = Libc.accept4(_fd, null, null, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
                if (fd < 0)
                {
                    var errno = Libc.Errno;
                    if (errno is Libc.EAGAIN)
                    {
                        break;
                    }

                    if (errno is Libc.EINTR or Libc.ECONNABORTED)
                    {
                        continue;
                    }

                    if (errno is Libc.EMFILE or Libc.ENFILE or Libc.ENOBUFS or Libc.ENOMEM)
                    {
                        PauseAccepting(Libc.Describe(errno));
                        return null;
                    }

                    ReactorLog.AcceptFailed(_reactor.Logger, Host.ToString()!, Libc.Describe(errno));
                    break;
                }

                socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            }
            else
            {
                try
                {
                    socket = _socket.Accept();
                    socket.Blocking = false;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    PauseAccepting(e.Message);
                    return null;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionAborted)
                {
                    continue;
                }
            }

            _acceptPause = FirstAcceptPause;
            Accepted(socket);
        }

        return null;
    }

    private void Accepted(Socket socket)
    {
        EndPoint peer;
        IProtocol? protocol;
        try
        {
            socket.NoDelay = true;
            peer = socket.RemoteEndPoint!;
            protocol = _factory.BuildProtocol(peer);
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(_reactor.Logger, $"Accepting a connection on {Host} with {_factory.GetType().Name}", e);
            socket.Dispose();
            return;
        }

        if (protocol is null)
        {
            socket.Dispose();
            return;
        }

        new TcpConnection(_reactor, socket, protocol, peer, connector: null).Start();
    }

    /// <summary>Out of descriptors: stop accepting for a while (doubling up to a second) so the loop does not spin.</summary>
    private void PauseAccepting(string error)
    {
        StopAccepting();
        ReactorLog.AcceptPaused(_reactor.Logger, Host.ToString()!, error, (int)_acceptPause.TotalMilliseconds);
        _resumeAccepting = _reactor.CallLater(_acceptPause, () =>
        {
            _resumeAccepting = null;
            StartAccepting();
        });
        _acceptPause = TimeSpan.FromTicks(Math.Min(_acceptPause.Ticks * 2, LongestAcceptPause.Ticks));
    }

    public Deferred<Unit> StopListening()
    {
        _reactor.CheckThread(nameof(StopListening));
        if (!_listening)
        {
            return Deferred.Succeed();
        }

        StopAccepting();
        _listening = false;
        if (_resumeAccepting is { Active: true })
        {
            _resumeAccepting.Cancel();
        }

        _socket.Dispose();
        _reactor.Ports.Remove(this);
        _factory.DoStop();
        return Deferred.Succeed();
    }

    void IDescriptor.ConnectionLost(Exception reason)
    {
        ReactorLog.AcceptFailed(_reactor.Logger, Host.ToString()!, reason.Message);
        StopListening();
    }

    public override string ToString() => $"TCP port {Host} ({_factory.GetType().Name})";
}
