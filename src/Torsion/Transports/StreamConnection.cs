using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Torsion.Diagnostics;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Transports;

/// <summary>
/// One stream connection (TCP, Unix) on a reactor: reads into the reactor's shared buffer and hands the bytes to
/// the protocol; copies writes into a <see cref="SendQueue"/> flushed once per batch (or at once when large);
/// pauses a registered producer above the high water mark and resumes it below the low one; file regions queued in
/// order with the bytes (sendfile(2)); half-close, lose and abort. Subclasses add their socket family's options and may replace the receive and send calls (Unix: fd passing).
/// </summary>
internal abstract unsafe partial class StreamConnection : ITransport, IHalfCloseable, IFileRegionTransport, IReadDescriptor, IWriteDescriptor, IBatchFlush, IReactorConnection, ISocketDescriptor
{
    /// <summary>Above this many unsent bytes a streaming producer is paused and the queue is flushed at once.</summary>
    internal const int HighWaterMark = 64 * 1024;

    /// <summary>Below this many unsent bytes a paused producer is resumed.</summary>
    internal const int LowWaterMark = 32 * 1024;

    private readonly ReactorBase _reactor;
    private readonly Socket _socket;
    private readonly IProtocol _protocol;
    private readonly Action<Exception>? _onLost;
    private SendQueue? _queue;
    private IProducer? _producer;
    private bool _streaming;
    private bool _producerPaused;
    private bool _reading;
    private bool _writing;
    private bool _readPaused;
    private bool _readClosed;
    private bool _writeClosing;
    private bool _writeClosed;
    private bool _disconnecting;
    private bool _socketClosed;
    private bool _notified;
    private Exception? _pendingError;
    private int _fd;
    private PortTag _tag = UnknownTag;

    /// <summary>Wraps a connected socket; <paramref name="onLost"/> (a connector that may reconnect) hears of the end, or is null.</summary>
    private protected StreamConnection(ReactorBase reactor, Socket socket, IProtocol protocol, EndPoint peer, EndPoint host, Action<Exception>? onLost)
    {
        _reactor = reactor;
        _socket = socket;
        _fd = (int)socket.Handle;
        _protocol = protocol;
        _onLost = onLost;
        Peer = peer;
        Host = host;
    }

    /// <summary>The metrics tag of a connection nobody tagged (subclasses and ports set a better one).</summary>
    private static readonly PortTag UnknownTag = new("stream");

    /// <summary>
    /// The <c>torsion.port</c> tag this connection records its metrics under (<see cref="TorsionMetrics.Shared"/>):
    /// its listening port's, or its kind's client tag.
    /// </summary>
    internal PortTag Tag
    {
        get => _tag;
        init => _tag = value;
    }

    public EndPoint Peer { get; }

    public EndPoint Host { get; }

    public int FileDescriptor => _socketClosed ? -1 : _fd;

    public Socket Socket => _socket;

    public bool FlushRequested { get; set; }

    private protected ReactorBase Reactor => _reactor;

    private protected IProtocol Protocol => _protocol;

    /// <summary>The descriptor number while the socket is open.</summary>
    private protected int Fd => _fd;

    /// <summary>True once the socket is closed.</summary>
    private protected bool IsSocketClosed => _socketClosed;

    /// <summary>Starts reading and tells the protocol it is connected.</summary>
    internal void Start()
    {
        _reactor.AddConnection(this);
        TorsionMetrics.Shared.ConnectionAccepted(_tag);
        StartReading();
        try
        {
            _protocol.MakeConnection(this);
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(_reactor.Logger, ToString(), e);
            Close(e, abort: false);
        }
    }

    // ---- reading ----

    public Exception? DoRead()
    {
        if (_socketClosed || !_reading)
        {
            return null;
        }

        var n = Receive(out var errno);

        if (n > 0)
        {
            TorsionMetrics.Shared.BytesReceived(_tag, n);
            _protocol.DataReceived(new ReadOnlySpan<byte>(_reactor.ReadBufferPointer, (int)n));

            // The callback's own replies leave now (one send for all its writes), before the batch's other events are
            // read, as the C epoll server does; writes to other connections still wait for the end of the batch.
            if (FlushRequested && !_writing && !_socketClosed && _pendingError is null)
            {
                Flush(runDrained: false);
            }

            return null;
        }

        if (n == 0)
        {
            return ReadEnded();
        }

        return errno is Libc.EAGAIN or Libc.EINTR ? null : Lost(errno);
    }

    /// <summary>
    /// Reads once into the reactor's buffer: bytes read, 0 at end of stream, or -1 with <paramref name="errno"/>
    /// (EAGAIN when nothing is there).
    /// </summary>
    private protected virtual long Receive(out int errno)
    {
        long n;
        if (Libc.UseRawIO)
        {
            n = Libc.recv(_fd, _reactor.ReadBufferPointer, _reactor.ReadBuffer.Length, 0);
            errno = n < 0 ? Libc.Errno : 0;
            return n;
        }

        n = _socket.Receive(_reactor.ReadBuffer, SocketFlags.None, out var error);
        errno = error == SocketError.Success ? 0 : error == SocketError.WouldBlock ? Libc.EAGAIN : (int)error;
        return errno != 0 ? -1 : n;
    }

    /// <summary>Sends what the socket takes from <paramref name="queue"/> in one call: bytes sent or the negated errno.</summary>
    private protected virtual long Send(SendQueue queue) => queue.SendTo(_fd, _socket);

    /// <summary>False while the next send must go through <see cref="Send"/> (Unix: descriptors wait to go with it).</summary>
    private protected virtual bool CanSendDirectly => true;

    /// <summary>The socket was just closed: release what the subclass holds for it.</summary>
    private protected virtual void OnSocketClosed()
    {
    }

    /// <summary>What kind of connection this is, for messages ("TCP", "Unix").</summary>
    private protected abstract string Kind { get; }

    private Exception? ReadEnded()
    {
        if (_protocol is IHalfCloseableProtocol halfCloseable)
        {
            _readClosed = true;
            StopReading();
            halfCloseable.ReadConnectionLost();
            return _writeClosed ? new ConnectionDoneException() : null;
        }

        return new ConnectionDoneException();
    }

    private Exception Lost(int errno) => errno switch
    {
        Libc.ECONNRESET => new ConnectionLostException($"Connection to {Peer} was reset by the peer."),
        Libc.EPIPE => new ConnectionLostException($"Connection to {Peer} was closed by the peer while writing (broken pipe)."),
        Libc.ETIMEDOUT => new ConnectionLostException($"Connection to {Peer} timed out."),
        _ => new ConnectionLostException($"Connection to {Peer} failed: {(Libc.UseRawIO ? Libc.Describe(errno) : ((SocketError)errno).ToString())}."),
    };

    private void StartReading()
    {
        if (!_reading && !_readPaused && !_readClosed && !_disconnecting && !_socketClosed)
        {
            _reading = true;
            _reactor.AddReader(this);
        }
    }

    private void StopReading()
    {
        if (_reading)
        {
            _reading = false;
            _reactor.RemoveReader(this);
        }
    }

    // ---- writing ----

    public void Write(ReadOnlySpan<byte> data)
    {
        _reactor.CheckThread("ITransport.Write");
        if (_socketClosed || _disconnecting || _writeClosing || data.IsEmpty)
        {
            return;
        }

        var queue = _queue ??= new SendQueue();
        if (data.Length >= HighWaterMark && queue.Length == 0 && !_writing && Libc.UseRawIO && CanSendDirectly)
        {
            // Large write with nothing queued: send straight from the caller's span, copy only what the socket refused.
            fixed (byte* p = data)
            {
                var sent = Libc.send(_fd, p, data.Length, Libc.MSG_NOSIGNAL);
                if (sent > 0)
                {
                    TorsionMetrics.Shared.BytesSent(_tag, sent);
                    data = data[(int)sent..];
                }
                else if (sent < 0 && Libc.Errno is not (Libc.EAGAIN or Libc.EINTR))
                {
                    _pendingError = Lost(Libc.Errno);
                    _reactor.RequestFlush(this);
                    return;
                }
            }

            if (data.IsEmpty)
            {
                _reactor.RequestFlush(this);
                return;
            }
        }

        queue.Append(data);
        if (queue.Length >= HighWaterMark && !_writing)
        {
            Flush(runDrained: false);
        }

        Queued(queue);
    }

    public void WriteFile(SafeFileHandle file, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (file.IsClosed || file.IsInvalid)
        {
            throw new ArgumentException("The file handle is closed or invalid; open the file before queueing a region of it.", nameof(file));
        }

        _reactor.CheckThread("IFileRegionTransport.WriteFile");
        if (_socketClosed || _disconnecting || _writeClosing || count == 0)
        {
            return;
        }

        var queue = _queue ??= new SendQueue();
        queue.AppendFile(file, offset, count, copy: !_reactor.Options.SendFile);
        if (!_writing)
        {
            // Sent now (as large writes are): the socket takes what it can, EPOLLOUT waits for the rest.
            Flush(runDrained: false);
        }

        Queued(queue);
    }

    /// <summary>After bytes were queued: a streaming producer pauses above the high-water mark; a flush is due.</summary>
    private void Queued(SendQueue queue)
    {
        if (_streaming && !_producerPaused && _producer is IPushProducer push && queue.Length >= HighWaterMark)
        {
            _producerPaused = true;
            push.PauseProducing();
        }

        if (!_writing)
        {
            _reactor.RequestFlush(this);
        }
    }

    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    public void FlushBatch()
    {
        if (_notified)
        {
            return;
        }

        if (_socketClosed || _pendingError is not null)
        {
            Close(_pendingError ?? new ConnectionDoneException(), abort: false);
            return;
        }

        if (!_writing)
        {
            Flush();
            if (_pendingError is not null)
            {
                Close(_pendingError, abort: false);
            }
        }
    }

    public Exception? DoWrite()
    {
        if (_socketClosed)
        {
            return null;
        }

        Flush();
        return _pendingError;
    }

    /// <summary>Sends what the socket takes; watches writability while bytes remain; runs what waits for an empty queue.</summary>
    private void Flush(bool runDrained = true)
    {
        var queue = _queue;
        while (queue is { Length: > 0 })
        {
            var sent = Send(queue);
            if (sent < 0)
            {
                var errno = (int)-sent;
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                if (errno == Libc.EAGAIN)
                {
                    break;
                }

                _pendingError = errno == SendQueue.FileEnded
                    ? new ConnectionLostException($"Connection to {Peer} closed: a queued file region ended early ({queue.DescribeHeadFile()} were still to send, but the file has no more: it was truncated).")
                    : Lost(errno);
                queue.Clear();
                return;
            }

            TorsionMetrics.Shared.BytesSent(_tag, sent);
            if (queue.LastSentBySendFile)
            {
                TorsionMetrics.Shared.FileBytesSent(_tag, sent);
            }
        }

        var remaining = queue?.Length ?? 0;
        if (remaining > 0)
        {
            if (!_writing)
            {
                _writing = true;
                _reactor.AddWriter(this);
            }

            if (_producerPaused && remaining <= LowWaterMark)
            {
                ResumeProducer();
            }

            return;
        }

        if (_writing)
        {
            _writing = false;
            _reactor.RemoveWriter(this);
        }

        if (runDrained)
        {
            Drained();
        }
    }

    private void ResumeProducer()
    {
        _producerPaused = false;
        if (_producer is IPushProducer push)
        {
            push.ResumeProducing();
        }
    }

    /// <summary>Everything is sent: resume producers, finish a pending close or half-close.</summary>
    private void Drained()
    {
        if (_producer is not null && !_disconnecting)
        {
            if (!_streaming && _producer is IPullProducer pull)
            {
                pull.ResumeProducing();
                if (_queue is { Length: > 0 })
                {
                    return;
                }
            }
            else if (_producerPaused)
            {
                ResumeProducer();
                if (_queue is { Length: > 0 })
                {
                    // The producer wrote (and may have called LoseConnection): those bytes go out before any close.
                    return;
                }
            }
        }

        if (_disconnecting)
        {
            Close(new ConnectionDoneException(), abort: false);
        }
        else if (_writeClosing && !_writeClosed)
        {
            _writeClosed = true;
            _socket.Shutdown(SocketShutdown.Send);
            if (_protocol is IHalfCloseableProtocol halfCloseable)
            {
                halfCloseable.WriteConnectionLost();
            }

            if (_readClosed)
            {
                Close(new ConnectionDoneException(), abort: false);
            }
        }
    }
}
