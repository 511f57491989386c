using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Diagnostics;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// A listening stream socket (TCP, Unix) on a reactor: accepts up to a batch of connections per readiness event and
/// builds a protocol for each. Out of descriptors (EMFILE), it stops accepting for a while instead of spinning.
/// Subclasses make the socket, say who the peer is and which connection to build.
/// </summary>
internal abstract unsafe class StreamPort : IListeningPort, IReadDescriptor, ISocketDescriptor
{
    private const int AcceptsPerEvent = 64;
    private static readonly TimeSpan FirstAcceptPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestAcceptPause = TimeSpan.FromSeconds(1);

    private readonly ReactorBase _reactor;
    private readonly Socket _socket;
    private readonly IProtocolFactory _factory;
    private readonly int _fd;
    private readonly PortTag _tag;
    private bool _listening;
    private bool _reading;
    private TimeSpan _acceptPause = FirstAcceptPause;
    private IDelayedCall? _resumeAccepting;

    /// <summary>Wraps a bound, listening, non-blocking socket; <see cref="Start"/> begins accepting.</summary>
    private protected StreamPort(ReactorBase reactor, Socket socket, IProtocolFactory factory, EndPoint host, PortTag tag)
    {
        _reactor = reactor;
        _socket = socket;
        _factory = factory;
        _fd = (int)socket.Handle;
        Host = host;
        _tag = tag;
    }

    public EndPoint Host { get; }

    public int FileDescriptor => _listening ? _fd : -1;

    public Socket Socket => _socket;

    private protected ReactorBase Reactor => _reactor;

    private protected IProtocolFactory Factory => _factory;

    /// <summary>The <c>torsion.port</c> tag of this port, for the connections it accepts.</summary>
    private protected PortTag ConnectionTag => _tag;

    /// <summary>Who is on the other end of an accepted socket, given the address accept filled in (empty when not known).</summary>
    private protected abstract EndPoint PeerOf(Socket socket, ReadOnlySpan<byte> address);

    /// <summary>The connection (tagged with <see cref="ConnectionTag"/>) for an accepted socket and the protocol built for it.</summary>
    private protected abstract StreamConnection Connection(Socket socket, IProtocol protocol, EndPoint peer);

    /// <summary>The socket was just closed by <see cref="StopListening"/>: release what the subclass holds for it.</summary>
    private protected virtual void OnSocketClosed()
    {
    }

    /// <summary>Starts the factory, registers the port with the reactor and begins accepting.</summary>
    private protected void Start()
    {
        _factory.DoStart();
        _listening = true;
        _reactor.Ports.Add(this);
        StartAccepting();
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
            var addressLength = 0;
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
                addressLength = (int)Math.Min(length, (uint)UnixLibc.SockAddrStorageSize);
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
            Accepted(socket, new ReadOnlySpan<byte>(address, addressLength));
        }

        return null;
    }

    private void Accepted(Socket socket, ReadOnlySpan<byte> address)
    {
        EndPoint peer;
        IProtocol? protocol;
        try
        {
            peer = PeerOf(socket, address);
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

        Connection(socket, protocol, peer).Start();
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
        OnSocketClosed();
        _reactor.Ports.Remove(this);
        _factory.DoStop();
        return Deferred.Succeed();
    }

    void IDescriptor.ConnectionLost(Exception reason)
    {
        ReactorLog.AcceptFailed(_reactor.Logger, Host.ToString()!, reason.Message);
        StopListening();
    }
}
