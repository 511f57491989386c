using System.Buffers;
using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// Connects a protocol to this process's own standard input and output (Twisted's StandardIO), for inetd-style
/// programs and for children of a Torsion process: stdin is read by the reactor, writes go to stdout with the same
/// batching and flow control as a socket. Works with pipes and terminals (not with a regular file as stdin: epoll
/// refuses those). The descriptors are made non-blocking while connected and their flags are put back when closed.
/// End of file on stdin is <see cref="IHalfCloseableProtocol.ReadConnectionLost"/> for a half-closeable protocol;
/// for any other it closes the connection (after pending writes), ending with <see cref="ConnectionDoneException"/>.
/// <see cref="LoseConnection"/> closes stdout, replacing descriptor 1 with /dev/null so the reader sees end of file
/// while the number stays valid for anything else in the process.
/// </summary>
public sealed class StandardIO : ITransport, IHalfCloseable
{
    private readonly ReactorBase _reactor;
    private readonly IProtocol _protocol;
    private readonly int _stdinFd;
    private readonly int _stdoutFd;
    private readonly int _stdinFlags;
    private readonly int _stdoutFlags;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private bool _readClosed;
    private bool _writeClosed;
    private bool _disconnecting;
    private bool _notified;
    private Exception? _reason;

    /// <summary>Connects <paramref name="protocol"/> to <paramref name="stdinFd"/> and <paramref name="stdoutFd"/>; MakeConnection runs before this returns.</summary>
    /// <param name="protocol">The protocol; it may implement <see cref="IHalfCloseableProtocol"/>.</param>
    /// <param name="reactor">A running (or about to run) reactor; call from its thread.</param>
    /// <param name="stdinFd">The descriptor to read (default 0).</param>
    /// <param name="stdoutFd">The descriptor to write (default 1).</param>
    /// <exception cref="ArgumentException">The reactor is not an <see cref="EpollReactor"/> (SelectReactor selects sockets only; a MemoryReactor has no descriptors).</exception>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public StandardIO(IProtocol protocol, IReactor reactor, int stdinFd = 0, int stdoutFd = 1)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(reactor);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("StandardIO is implemented for Linux only.");
        }

        _reactor = reactor as EpollReactor
            ?? throw new ArgumentException($"StandardIO needs a reactor that watches any descriptor (EpollReactor); {reactor.GetType().Name} does not.", nameof(reactor));
        _reactor.CheckThread("new StandardIO");
        _protocol = protocol;
        _stdinFd = stdinFd;
        _stdoutFd = stdoutFd;

        // The reader and writer own close-on-exec copies; the numbers 0 and 1 stay for the flags to be put back.
        var readFd = UnixLibc.Duplicate(stdinFd);
        var writeFd = UnixLibc.Duplicate(stdoutFd);
        if (readFd < 0 || writeFd < 0)
        {
            var errno = Libc.Errno;
            if (readFd >= 0)
            {
                Libc.close(readFd);
            }

            throw new InvalidOperationException($"StandardIO cannot use descriptors {stdinFd} and {stdoutFd}: {Libc.Describe(errno)}.");
        }

        _stdinFlags = ProcessLibc.SetNonBlocking(readFd, true);
        _stdoutFlags = ProcessLibc.SetNonBlocking(writeFd, true);
        _reader = new PipeReader(_reactor, readFd, $"stdin (fd {stdinFd})", isTerminal: true, _protocol.DataReceived, ReadClosed);
        _writer = new PipeWriter(_reactor, writeFd, $"stdout (fd {stdoutFd})", watchReaderGone: false, WriteClosed);
        _reader.Start();
        _protocol.MakeConnection(this);
    }

    /// <summary>A made-up address: "stdio".</summary>
    public EndPoint Peer { get; } = new DnsEndPoint("stdio", 0);

    /// <summary>A made-up address: "stdio".</summary>
    public EndPoint Host { get; } = new DnsEndPoint("stdio", 0);

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        _reactor.CheckThread("StandardIO.Write");
        if (!_disconnecting)
        {
            _writer.Write(data);
        }
    }

    /// <inheritdoc />
    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    /// <summary>Stops reading stdin and closes stdout once pending writes are written; the protocol then hears ConnectionLost.</summary>
    public void LoseConnection()
    {
        _reactor.CheckThread("StandardIO.LoseConnection");
        if (_notified || _disconnecting)
        {
            return;
        }

        _disconnecting = true;
        _reason ??= new ConnectionDoneException();
        _reader.Pause();
        _writer.CloseWhenDrained();
    }

    /// <summary>Closes stdout once pending writes are written; reading stdin goes on.</summary>
    public void LoseWriteConnection()
    {
        _reactor.CheckThread("StandardIO.LoseWriteConnection");
        _writer.CloseWhenDrained();
    }

    /// <summary>Closes both at once, dropping pending writes.</summary>
    public void AbortConnection()
    {
        _reactor.CheckThread("StandardIO.AbortConnection");
        _disconnecting = true;
        _reason ??= new ConnectionLostException("StandardIO was aborted by this side (AbortConnection).");
        _writer.Close(_reason);
        _reader.Close(_reason);
    }

    /// <inheritdoc />
    public void RegisterProducer(IProducer producer, bool streaming)
    {
        _reactor.CheckThread("StandardIO.RegisterProducer");
        _writer.RegisterProducer(producer, streaming);
    }

    /// <inheritdoc />
    public void UnregisterProducer()
    {
        _reactor.CheckThread("StandardIO.UnregisterProducer");
        _writer.UnregisterProducer();
    }

    /// <summary>Stops reading stdin until <see cref="ResumeProducing"/>.</summary>
    public void PauseProducing()
    {
        _reactor.CheckThread("StandardIO.PauseProducing");
        _reader.Pause();
    }

    /// <summary>Reads stdin again.</summary>
    public void ResumeProducing()
    {
        _reactor.CheckThread("StandardIO.ResumeProducing");
        if (!_disconnecting)
        {
            _reader.Resume();
        }
    }

    /// <inheritdoc />
    public void StopProducing() => LoseConnection();

    private void ReadClosed(Exception reason)
    {
        _readClosed = true;
        Restore(_stdinFd, _stdinFlags);
        if (_notified)
        {
            return;
        }

        if (!_disconnecting && reason is ConnectionDoneException && _protocol is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
            MaybeLost();
            return;
        }

        if (!_disconnecting)
        {
            // Not half-closeable: end of input ends the connection once what was written has gone out.
            _reason ??= reason;
            _disconnecting = true;
            _writer.CloseWhenDrained();
        }

        MaybeLost();
    }

    private void WriteClosed(Exception reason)
    {
        _writeClosed = true;
        Restore(_stdoutFd, _stdoutFlags);

        // Drop this process's last reference to the pipe so that the reader sees end of file; keep the number valid.
        var devNull = ProcessLibc.open("/dev/null", ProcessLibc.O_WRONLY | ProcessLibc.O_CLOEXEC);
        if (devNull >= 0)
        {
            ProcessLibc.dup2(devNull, _stdoutFd);
            Libc.close(devNull);
        }

        if (_notified)
        {
            return;
        }

        if (reason is not ConnectionDoneException)
        {
            _reason = reason;
        }

        if (!_disconnecting && !_readClosed && reason is ConnectionDoneException && _protocol is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.WriteConnectionLost();
            return;
        }

        if (!_readClosed)
        {
            _reader.Close(_reason ?? reason);
            return;
        }

        MaybeLost();
    }

    private void MaybeLost()
    {
        if (_notified || !_readClosed || !_writeClosed)
        {
            return;
        }

        _notified = true;
        try
        {
            _protocol.ConnectionLost(_reason ?? new ConnectionDoneException());
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, "ConnectionLost of StandardIO", e);
        }
    }

    private static void Restore(int fd, int flags)
    {
        if (flags >= 0)
        {
            ProcessLibc.fcntl(fd, ProcessLibc.F_SETFL, flags);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"StandardIO ({_protocol.GetType().Name})";
}
