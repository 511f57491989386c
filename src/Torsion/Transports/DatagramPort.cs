using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// A bound datagram socket on a reactor (UDP or Unix): reads every datagram that is ready (at most
/// <see cref="DatagramsPerEvent"/> per readiness event, so that one busy socket cannot starve the others) into the
/// reactor's shared buffer and hands each to the protocol; sends each datagram at once with one sendto.
/// </summary>
/// <remarks>
/// Allocation: none per datagram on Linux while the sender is the same as the previous datagram's (its
/// <see cref="EndPoint"/> is cached and reused) and when sending to the address last sent to or last received from
/// (its encoded form is cached). A datagram from a new sender allocates its EndPoint (an IPEndPoint and IPAddress),
/// a send to a new address encodes it on the stack (UDP) or serializes it once (Unix).
/// </remarks>
internal abstract unsafe class DatagramPort : IDatagramTransport, IReadDescriptor, ISocketDescriptor
{
    /// <summary>The most datagrams read per readiness event before the loop turns to other descriptors.</summary>
    internal const int DatagramsPerEvent = 256;

    private readonly byte[] _receivedAddress = new byte[UnixLibc.SockAddrStorageSize];
    private readonly byte[] _sendAddress = new byte[UnixLibc.SockAddrStorageSize];
    private readonly int _maxPacketSize;
    private int _receivedAddressLength = -1;
    private EndPoint? _receivedFrom;
    private EndPoint? _sendTo;
    private uint _sendAddressLength;
    private SocketAddress? _portableAddress;
    private bool _reading;
    private int _fd;

    private protected DatagramPort(ReactorBase reactor, Socket socket, DatagramProtocol protocol, int maxPacketSize)
    {
        Reactor = reactor;
        Socket = socket;
        DatagramProtocol = protocol;
        _fd = (int)socket.Handle;
        _maxPacketSize = Math.Min(maxPacketSize, reactor.ReadBuffer.Length);
    }

    private protected ReactorBase Reactor { get; }

    private protected DatagramProtocol DatagramProtocol { get; }

    private protected bool Listening { get; private set; }

    public Socket Socket { get; }

    public int FileDescriptor => Listening ? _fd : -1;

    public abstract EndPoint Host { get; }

    public EndPoint? ConnectedAddress { get; private protected set; }

    /// <summary>What kind of socket this is, for messages ("UDP", "Unix datagram").</summary>
    private protected abstract string Kind { get; }

    /// <summary>Turns a received sockaddr into an EndPoint (called only for a sender other than the last one).</summary>
    private protected abstract EndPoint DecodeAddress(ReadOnlySpan<byte> sockaddr);

    /// <summary>Writes <paramref name="to"/> as a sockaddr into <paramref name="sockaddr"/>; returns its length.</summary>
    private protected abstract int EncodeAddress(EndPoint to, Span<byte> sockaddr);

    /// <summary>Turns a sockaddr read by .NET (portable path) into an EndPoint.</summary>
    private protected abstract EndPoint CreateEndPoint(SocketAddress address);

    /// <summary>Attaches the protocol (its StartProtocol runs) and starts reading.</summary>
    private protected void Start()
    {
        Listening = true;
        Reactor.Ports.Add(this);
        Reactor.AddReader(this);
        _reading = true;
        try
        {
            DatagramProtocol.MakeConnection(this);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Reactor.Logger, $"StartProtocol of {this}", e);
        }
    }

    // ---- reading ----

    public Exception? DoRead()
    {
        var buffer = Reactor.ReadBufferPointer;
        var address = stackalloc byte[UnixLibc.SockAddrStorageSize];
        for (var i = 0; i < DatagramsPerEvent && _reading; i++)
        {
            int n;
            EndPoint from;
            if (Libc.UseRawIO)
            {
                var addressLength = (uint)UnixLibc.SockAddrStorageSize;
                var got = UnixLibc.recvfrom(_fd, buffer, _maxPacketSize, 0, address, &addressLength);
                if (got < 0)
                {
                    var errno = Libc.Errno;
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }

                    if (errno == Libc.EAGAIN)
                    {
                        break;
                    }

                    if (!ReadFailed(errno))
                    {
                        break;
                    }

                    continue;
                }

                n = (int)got;
                from = Sender(new ReadOnlySpan<byte>(address, (int)Math.Min(addressLength, (uint)UnixLibc.SockAddrStorageSize)));
            }
            else
            {
                if (!TryReceivePortable(out n, out from))
                {
                    break;
                }
            }

            try
            {
                DatagramProtocol.DatagramReceived(new ReadOnlySpan<byte>(buffer, n), from);
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(Reactor.Logger, $"DatagramReceived of {this} (datagram from {from})", e);
            }
        }

        return null;
    }

    /// <summary>An error from a receive: true to go on reading, false to wait for the next readiness event.</summary>
    private bool ReadFailed(int errno)
    {
        if (errno == Libc.ECONNREFUSED)
        {
            // An ICMP port unreachable for an earlier datagram; only a connected socket is told of it.
            if (ConnectedAddress is not null)
            {
                Refused();
            }

            return true;
        }

        Reactor.Logger.LogWarning("Receiving on {Port} failed: {Error}", ToString(), Libc.Describe(errno));
        return false;
    }

    private void Refused()
    {
        try
        {
            DatagramProtocol.ConnectionRefused();
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Reactor.Logger, $"ConnectionRefused of {this}", e);
        }
    }

    /// <summary>The sender's EndPoint: the cached one when the sockaddr is the same as the last sender's.</summary>
    private EndPoint Sender(ReadOnlySpan<byte> sockaddr)
    {
        if (_receivedFrom is not null && sockaddr.Length == _receivedAddressLength && sockaddr.SequenceEqual(_receivedAddress.AsSpan(0, _receivedAddressLength)))
        {
            return _receivedFrom;
        }

        var from = DecodeAddress(sockaddr);
        sockaddr.CopyTo(_receivedAddress);
        _receivedAddressLength = sockaddr.Length;
        _receivedFrom = from;
        return from;
    }

    private bool TryReceivePortable(out int n, out EndPoint from)
    {
        n = 0;
        from = null!;
        if (Socket.Available == 0 && !Socket.Poll(0, SelectMode.SelectRead))
        {
            return false;
        }

        var address = _portableAddress ??= new SocketAddress(Socket.AddressFamily, UnixLibc.SockAddrStorageSize);
        try
        {
            n = Socket.ReceiveFrom(Reactor.ReadBuffer.AsSpan(0, _maxPacketSize), SocketFlags.None, address);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            if (ConnectedAddress is not null)
            {
                Refused();
            }

            return false;
        }

        var bytes = address.Buffer.Span[..address.Size];
        if (_receivedFrom is not null && bytes.SequenceEqual(_receivedAddress.AsSpan(0, Math.Max(_receivedAddressLength, 0))))
        {
            from = _receivedFrom;
        }
        else
        {
            from = CreateEndPoint(address);
            bytes.CopyTo(_receivedAddress);
            _receivedAddressLength = bytes.Length;
            _receivedFrom = from;
        }

        return true;
    }

    // ---- writing ----

    public void Write(ReadOnlySpan<byte> datagram, EndPoint to)
    {
        ArgumentNullException.ThrowIfNull(to);
        Reactor.CheckThread("IDatagramTransport.Write");
        if (ConnectedAddress is not null)
        {
            if (!to.Equals(ConnectedAddress))
            {
                throw new InvalidOperationException($"{this} is connected to {ConnectedAddress} and cannot send to {to}: use Write(datagram) or an unconnected port.");
            }

            Write(datagram);
            return;
        }

        CheckOpen();
        if (!Libc.UseRawIO)
        {
            SendPortable(datagram, to);
            return;
        }

        if (!ReferenceEquals(to, _sendTo))
        {
            // A new destination: encode it once; replies to the last sender reuse the received sockaddr.
            if (ReferenceEquals(to, _receivedFrom) && _receivedAddressLength > 0)
            {
                _receivedAddress.AsSpan(0, _receivedAddressLength).CopyTo(_sendAddress);
                _sendAddressLength = (uint)_receivedAddressLength;
            }
            else
            {
                _sendAddressLength = (uint)EncodeAddress(to, _sendAddress);
            }

            _sendTo = to;
        }

        fixed (byte* data = datagram)
        fixed (byte* address = _sendAddress)
        {
            while (true)
            {
                var sent = UnixLibc.sendto(_fd, data, datagram.Length, Libc.MSG_NOSIGNAL, address, _sendAddressLength);
                if (sent >= 0 || !SendFailed(Libc.Errno, datagram.Length, to))
                {
                    return;
                }
            }
        }
    }

    public void Write(ReadOnlySpan<byte> datagram)
    {
        Reactor.CheckThread("IDatagramTransport.Write");
        var to = ConnectedAddress ?? throw new InvalidOperationException($"{this} is not connected: give the address to send to, or call Connect first.");
        CheckOpen();
        if (!Libc.UseRawIO)
        {
            Socket.Send(datagram, SocketFlags.None, out var error);
            if (error is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                Refused();
            }
            else if (error is not (SocketError.Success or SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable))
            {
                throw new SocketException((int)error, $"Sending a datagram of {datagram.Length} bytes from {this} to {to} failed: {error}.");
            }

            return;
        }

        fixed (byte* data = datagram)
        {
            while (true)
            {
                var sent = Libc.send(_fd, data, datagram.Length, Libc.MSG_NOSIGNAL);
                if (sent >= 0 || !SendFailed(Libc.Errno, datagram.Length, to))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Handles a failed send: true to try again (EINTR), false when done (dropped or refused); throws otherwise.</summary>
    private bool SendFailed(int errno, int length, EndPoint to)
    {
        switch (errno)
        {
            case Libc.EINTR:
                return true;
            case Libc.EAGAIN or Libc.ENOBUFS:
                // No room in the socket's send buffer: the datagram is dropped, as UDP may drop it anywhere.
                if (Reactor.Logger.IsEnabled(LogLevel.Debug))
                {
                    Reactor.Logger.LogDebug("{Port} dropped a datagram of {Length} bytes to {To}: no send buffer room", ToString(), length, to);
                }

                return false;
            case Libc.ECONNREFUSED:
                if (ConnectedAddress is not null)
                {
                    Refused();
                }

                return false;
            case UnixLibc.EMSGSIZE:
                throw new ArgumentException($"A datagram of {length} bytes is too long to send from {this} to {to} (EMSGSIZE).", nameof(length));
            case UnixLibc.ENOENT when Kind != "UDP":
                throw new ConnectionRefusedException($"Sending from {this} to {to} failed: no socket is bound at that path.");
            default:
                throw new SocketException(errno, $"Sending a datagram of {length} bytes from {this} to {to} failed: {Libc.Describe(errno)}.");
        }
    }

    private void SendPortable(ReadOnlySpan<byte> datagram, EndPoint to)
    {
        Socket.SendTo(datagram, SocketFlags.None, to.Serialize());
    }

    private void CheckOpen()
    {
        if (!Listening)
        {
            throw new InvalidOperationException($"{this} has stopped listening; its socket is closed.");
        }
    }

    /// <summary>Connects the socket (immediate for datagram sockets) and remembers the address.</summary>
    private protected void ConnectTo(EndPoint to)
    {
        Reactor.CheckThread("Connect");
        CheckOpen();
        if (ConnectedAddress is not null)
        {
            throw new InvalidOperationException($"{this} is connected to {ConnectedAddress} already; a datagram socket connects once.");
        }

        Socket.Connect(to);
        ConnectedAddress = to;
    }

    // ---- stopping ----

    public Deferred<Unit> StopListening()
    {
        Reactor.CheckThread(nameof(StopListening));
        if (!Listening)
        {
            return Deferred.Succeed();
        }

        if (_reading)
        {
            _reading = false;
            Reactor.RemoveReader(this);
        }

        Listening = false;
        Socket.Dispose();
        Reactor.Ports.Remove(this);
        OnClosed();
        try
        {
            DatagramProtocol.DoStop();
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Reactor.Logger, $"StopProtocol of {this}", e);
        }

        return Deferred.Succeed();
    }

    /// <summary>The socket was closed: remove what the subclass made (a socket file).</summary>
    private protected virtual void OnClosed()
    {
    }

    void IDescriptor.ConnectionLost(Exception reason)
    {
        ReactorLog.DescriptorFailed(Reactor.Logger, ToString(), reason);
        StopListening();
    }

    public override string ToString() => $"{Kind} port {Host} ({DatagramProtocol.GetType().Name})";
}
