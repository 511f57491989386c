using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Unix;

/// <summary>
/// One Unix stream connection: TCP's stream machinery (<see cref="StreamConnection"/>) plus passing descriptors
/// (SCM_RIGHTS, sent with the next bytes written, received with recvmsg for protocols that accept them) and
/// the peer's credentials (SO_PEERCRED).
/// </summary>
internal sealed unsafe class UnixConnection : StreamConnection, IUnixTransport
{
    private List<int>? _pendingFds;
    private UnixCredentials? _credentials;

    internal UnixConnection(ReactorBase reactor, Socket socket, IProtocol protocol, EndPoint peer, EndPoint host, Action<Exception>? onLost)
        : base(reactor, socket, protocol, peer, host, onLost)
    {
        Tag = ClientTag;
    }

    /// <summary>The <c>torsion.port</c> tag of connections made by a Unix connector (all client connections share it).</summary>
    internal static readonly Torsion.Diagnostics.PortTag ClientTag = new("unix:client");

    private protected override string Kind => "Unix";

    private protected override bool CanSendDirectly => _pendingFds is not { Count: > 0 };

    public void SendFileDescriptor(int fd)
    {
        Reactor.CheckThread(nameof(SendFileDescriptor));
        if (!Libc.UseRawIO)
        {
            throw new PlatformNotSupportedException("Passing file descriptors over Unix sockets is implemented on Linux only.");
        }

        _pendingFds ??= [];
        if (_pendingFds.Count >= UnixLibc.MaxFdsPerMessage)
        {
            throw new InvalidOperationException($"{UnixLibc.MaxFdsPerMessage} descriptors wait to be sent on {this} already: write bytes to send them first.");
        }

        if (IsSocketClosed)
        {
            return;
        }

        var copy = UnixLibc.Duplicate(fd);
        if (copy < 0)
        {
            var errno = Libc.Errno;
            throw new ArgumentException($"Cannot send descriptor {fd} over {this}: {Libc.Describe(errno)}.", nameof(fd));
        }

        _pendingFds.Add(copy);
    }

    public UnixCredentials PeerCredentials
    {
        get
        {
            if (_credentials is { } known)
            {
                return known;
            }

            if (!Libc.UseRawIO)
            {
                throw new PlatformNotSupportedException("Peer credentials (SO_PEERCRED) are implemented on Linux only.");
            }

            var ucred = stackalloc int[3];
            uint length = 12;
            if (Libc.getsockopt(Fd, UnixLibc.SOL_SOCKET, UnixLibc.SO_PEERCRED, ucred, &length) != 0)
            {
                var errno = Libc.Errno;
                throw new SocketException(errno, $"Reading the peer credentials of {this} failed: {Libc.Describe(errno)}.");
            }

            _credentials = new UnixCredentials(ucred[0], ucred[1], ucred[2]);
            return _credentials.Value;
        }
    }

    private protected override long Send(SendQueue queue)
    {
        var fds = _pendingFds;
        if (fds is not { Count: > 0 })
        {
            return base.Send(queue);
        }

        var dataLength = fds.Count * sizeof(int);
        var space = UnixLibc.CmsgSpace(dataLength);
        var control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        *(nuint*)control = (nuint)UnixLibc.CmsgLength(dataLength);
        *(int*)(control + 8) = UnixLibc.SOL_SOCKET;
        *(int*)(control + 12) = UnixLibc.SCM_RIGHTS;
        var data = (int*)(control + UnixLibc.CmsgHeaderSize);
        for (var i = 0; i < fds.Count; i++)
        {
            data[i] = fds[i];
        }

        var sent = queue.SendTo(Fd, Socket, control, (nuint)space);
        if (sent > 0)
        {
            // The peer holds its own copies now (or will, once it reads); ours are no longer needed.
            CloseAll(fds);
        }

        return sent;
    }

    private protected override long Receive(out int errno)
    {
        if (Protocol is not IFileDescriptorReceiver receiver || !Libc.UseRawIO)
        {
            return base.Receive(out errno);
        }

        var space = UnixLibc.CmsgSpace(UnixLibc.MaxFdsPerMessage * sizeof(int));
        var control = stackalloc byte[space];
        var iov = new Libc.IoVec { Base = Reactor.ReadBufferPointer, Length = (nuint)Reactor.ReadBuffer.Length };
        var msg = new Libc.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)space };
        var n = (long)UnixLibc.recvmsg(Fd, &msg, UnixLibc.MSG_CMSG_CLOEXEC);
        if (n < 0)
        {
            errno = Libc.Errno;
            return n;
        }

        errno = 0;
        if ((msg.Flags & UnixLibc.MSG_CTRUNC) != 0)
        {
            Reactor.Logger.LogWarning("{Connection} received more descriptors than fit in one message; the rest were closed by the system", ToString());
        }

        // Walk the control messages (CMSG_FIRSTHDR/CMSG_NXTHDR) and hand every passed descriptor over first.
        var offset = 0;
        var total = (int)msg.ControlLen;
        while (offset + UnixLibc.CmsgHeaderSize <= total)
        {
            var header = control + offset;
            var length = (int)*(nuint*)header;
            if (length < UnixLibc.CmsgHeaderSize || offset + length > total)
            {
                break;
            }

            if (*(int*)(header + 8) == UnixLibc.SOL_SOCKET && *(int*)(header + 12) == UnixLibc.SCM_RIGHTS)
            {
                var count = (length - UnixLibc.CmsgHeaderSize) / sizeof(int);
                var fds = (int*)(header + UnixLibc.CmsgHeaderSize);
                for (var i = 0; i < count; i++)
                {
                    receiver.FileDescriptorReceived(fds[i]);
                }
            }

            offset += UnixLibc.CmsgSpace(length - UnixLibc.CmsgHeaderSize);
        }

        return n;
    }

    private protected override void OnSocketClosed()
    {
        if (_pendingFds is { Count: > 0 } fds)
        {
            CloseAll(fds);
        }
    }

    private static void CloseAll(List<int> fds)
    {
        foreach (var fd in fds)
        {
            Libc.close(fd);
        }

        fds.Clear();
    }
}
