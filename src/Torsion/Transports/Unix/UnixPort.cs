using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// A listening Unix stream socket on a reactor: accepts up to a batch of connections per readiness event, as
/// <see cref="Tcp.TcpPort"/> does (pausing when out of descriptors); owns its socket file and removes it on stop.
/// </summary>
internal sealed unsafe class UnixPort : IListeningPort, IReadDescriptor, ISocketDescriptor
{
    private const int AcceptsPerEvent = 64;
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(100);

    private readonly ReactorBase _reactor;
    private readonly Socket _socket;
    private readonly IProtocolFactory _factory;
    private readonly UnixSocketFile _file;
    private readonly int _fd;
    private readonly Torsion.Diagnostics.PortTag _tag;
    private bool _listening;
    private bool _reading;
    private IDelayedCall? _resumeAccepting;

    private UnixPort(ReactorBase reactor, Socket socket, IProtocolFactory factory, UnixSocketFile file)
    {
        _reactor = reactor;
        _socket = socket;
        _factory = factory;
        _file = file;
        _fd = (int)socket.Handle;
        Host = file.EndPoint;
        _tag = new Torsion.Diagnostics.PortTag($"unix:{Host}");
    }

    public EndPoint Host { get; }

    public int FileDescriptor => _listening ? _fd : -1;

    public Socket Socket => _socket;

    internal static UnixPort Listen(ReactorBase reactor, string path, IProtocolFactory factory, int backlog, int mode, bool wantPid)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(mode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mode, 0xFFF);
        var file = UnixSocketFile.Prepare(path, SocketType.Stream, wantPid);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Blocking = false;
            socket.Bind(file.EndPoint);
            file.ApplyMode(mode);
            socket.Listen(backlog);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            file.Remove();
            var reason = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                ? $"the address is already in use ('{UnixSocketFile.Printable(path)}')"
                : e.Message;
            throw new CannotListenException(file.EndPoint, reason, e);
        }

        var port = new UnixPort(reactor, socket, factory, file);
        factory.DoStart();
        port._listening = true;
        reactor.Ports.Add(port);
        port.StartAccepting();
        return port;
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
        var address = stackalloc byte[UnixLibc.SockAddrStorageSize];
        for (var i = 0; i < AcceptsPerEvent && _listening; i++)
        {
            Socket socket;
            EndPoint peer;
            if (Libc.UseRawIO)
            {
                var length = (uint)UnixLibc.SockAddrStorageSize;
                var fd = Libc.accept4(_fd, address, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
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
                peer = UnixSocketFile.Decode(new ReadOnlySpan<byte>(address, (int)Math.Min(length, (uint)UnixLibc.SockAddrStorageSize)));
            }
            else
            {
                try
                {
                    socket = _socket.Accept();
                    socket.Blocking = false;
                    peer = UnnamedUnixEndPoint.Instance;
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
            }

            Accepted(socket, peer);
        }

        return null;
    }

    private void Accepted(Socket socket, EndPoint peer)
    {
        IProtocol? protocol;
        try
        {
            protocol = _factory.BuildProtocol(peer);
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(_reactor.Logger, $"Accepting a connection on {this}", e);
            socket.Dispose();
            return;
        }

        if (protocol is null)
        {
            socket.Dispose();
            return;
        }

        new UnixConnection(_reactor, socket, protocol, peer, Host, onLost: null) { Tag = _tag }.Start();
    }

    private void PauseAccepting(string error)
    {
        StopAccepting();
        ReactorLog.AcceptPaused(_reactor.Logger, Host.ToString()!, error, (int)AcceptPause.TotalMilliseconds);
        _resumeAccepting = _reactor.CallLater(AcceptPause, () =>
        {
            _resumeAccepting = null;
            StartAccepting();
        });
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
        _file.Remove();
        _reactor.Ports.Remove(this);
        _factory.DoStop();
        return Deferred.Succeed();
    }

    void IDescriptor.ConnectionLost(Exception reason)
    {
        ReactorLog.AcceptFailed(_reactor.Logger, Host.ToString()!, reason.Message);
        StopListening();
    }

    public override string ToString() => $"Unix port {UnixSocketFile.Printable(_file.Path)} ({_factory.GetType().Name})";
}
