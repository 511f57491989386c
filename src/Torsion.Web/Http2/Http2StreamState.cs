namespace Torsion.Web.Http2;

/// <summary>
/// What <see cref="Http2Connection"/> knows of any stream, server or client (RFC 9113 sections 5.1 and 5.2): its id,
/// state, and both flow-control windows. Each side adds its own request or response handling.
/// </summary>
internal abstract class Http2StreamState
{
    private int _unackedBytes;
    private byte[]? _queued;
    private int _queuedStart;

    protected Http2StreamState(int id, long sendWindow)
    {
        Id = id;
        SendWindow = sendWindow;
    }

    public int Id { get; }

    /// <summary>Bytes the peer lets this stream send.</summary>
    public long SendWindow { get; set; }

    /// <summary>Bytes the peer may still send on this stream.</summary>
    public int ReceiveWindow { get; set; }

    /// <summary>The peer ended its side (END_STREAM received).</summary>
    public bool RemoteClosed { get; set; }

    /// <summary>This side ended (END_STREAM sent) or the stream was reset.</summary>
    public bool LocalClosed { get; protected set; }

    /// <summary>Content-Length the peer declared, or -1.</summary>
    public long DeclaredLength { get; set; } = -1;

    /// <summary>Body bytes received so far.</summary>
    public long ReceivedBodyBytes { get; set; }

    /// <summary>Whether arriving DATA is dropped (credited back at once) rather than kept for the application.</summary>
    public virtual bool DiscardsData => LocalClosed;

    /// <summary>The stream left the connection (its unread bytes were credited back to the connection then).</summary>
    public bool Removed { get; set; }

    /// <summary>DATA bytes queued until the windows allow them.</summary>
    protected int QueuedLength { get; private set; }

    /// <summary>Whether DATA (or the end of the stream) waits for window.</summary>
    public abstract bool HasPendingSend { get; }

    /// <summary>Bytes of unread body kept: credited back to the connection when the stream goes away.</summary>
    public abstract int UnreadBodyBytes { get; }

    /// <summary>Sends what the windows allow.</summary>
    public abstract void Pump();

    /// <summary>Body bytes arrived (already counted against the windows); <paramref name="flowControlled"/> includes padding.</summary>
    public abstract void DataReceived(ReadOnlySpan<byte> data, int flowControlled);

    /// <summary>The peer ended its side.</summary>
    public abstract void BodyEnded();

    /// <summary>The stream ends without completing (reset, connection error, connection lost).</summary>
    public abstract void Fail(Exception reason);

    /// <summary>Counts bytes the application consumed; returns the stream window update to send (0: none yet).</summary>
    public int TakeWindowUpdate(int consumed, int initialWindow)
    {
        _unackedBytes += consumed;
        if (RemoteClosed || _unackedBytes < initialWindow / 4)
        {
            return 0;
        }

        var n = _unackedBytes;
        _unackedBytes = 0;
        ReceiveWindow += n;
        return n;
    }

    /// <summary>Whether <paramref name="length"/> bytes may go out at once in one frame (nothing queued before them).</summary>
    protected bool FitsNow(Http2Connection connection, int length) =>
        QueuedLength == 0 && length <= Math.Min(SendWindow, Math.Min(connection.SendWindow, connection.PeerMaxFrameSize));

    /// <summary>Copies <paramref name="data"/> behind what is queued.</summary>
    protected void Queue(ReadOnlySpan<byte> data)
    {
        if (_queued is null)
        {
            _queued = new byte[Math.Max(4096, data.Length)];
        }
        else if (_queuedStart + QueuedLength + data.Length > _queued.Length)
        {
            var target = QueuedLength + data.Length <= _queued.Length ? _queued : new byte[Math.Max(QueuedLength + data.Length, _queued.Length * 2)];
            _queued.AsSpan(_queuedStart, QueuedLength).CopyTo(target);
            _queued = target;
            _queuedStart = 0;
        }

        data.CopyTo(_queued.AsSpan(_queuedStart + QueuedLength));
        QueuedLength += data.Length;
    }

    /// <summary>
    /// Sends queued bytes as DATA frames as far as both windows and the peer's frame size allow; the frame that empties
    /// the queue carries END_STREAM when <paramref name="endWithLast"/>. Returns whether it did.
    /// </summary>
    protected bool SendQueued(Http2Connection connection, bool endWithLast)
    {
        while (QueuedLength > 0)
        {
            var n = (int)Math.Min(Math.Min(QueuedLength, SendWindow), Math.Min(connection.SendWindow, connection.PeerMaxFrameSize));
            if (n <= 0)
            {
                break;
            }

            var last = n == QueuedLength && endWithLast;
            connection.WriteData(this, _queued.AsSpan(_queuedStart, n), last);
            SendWindow -= n;
            _queuedStart += n;
            QueuedLength -= n;
            if (last)
            {
                return true;
            }
        }

        if (QueuedLength == 0)
        {
            _queuedStart = 0;
        }

        return false;
    }

    /// <summary>Forgets what is queued (the stream was reset or failed).</summary>
    protected void DropQueued()
    {
        QueuedLength = 0;
        _queuedStart = 0;
    }
}
