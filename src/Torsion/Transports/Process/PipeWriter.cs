using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>
/// The writing end of a pipe (a child's stdin, a pseudo-terminal master, this process's stdout): writes are copied into
/// a <see cref="SendQueue"/> and written once per reactor batch (at once when large), a registered producer is paused
/// above <see cref="HighWaterMark"/> and resumed below <see cref="LowWaterMark"/>, as on a stream connection.
/// With <c>watchReaderGone</c> it is also watched for reading: a pipe's write end turns "readable" (EPOLLERR) only when
/// the reading end is closed, which is how a child that closes its stdin is noticed (Twisted's enableReadHack).
/// </summary>
internal sealed class PipeWriter(ReactorBase reactor, int fd, string name, bool watchReaderGone, Action<Exception> onClosed)
    : IWriteDescriptor, IReadDescriptor, IBatchFlush
{
    /// <summary>Above this many unwritten bytes a streaming producer is paused (64 KiB, as stream connections).</summary>
    internal const int HighWaterMark = 64 * 1024;

    /// <summary>Below this many unwritten bytes a paused producer is resumed (32 KiB).</summary>
    internal const int LowWaterMark = 32 * 1024;

    private readonly SendQueue _queue = new();
    private int _fd = fd;
    private bool _writing;
    private bool _watchingRead;
    private bool _closing;
    private IProducer? _producer;
    private bool _streaming;
    private bool _producerPaused;

    public int FileDescriptor => _fd;

    public bool FlushRequested { get; set; }

    public bool IsClosed => _fd < 0;

    /// <summary>True once a close after the pending writes was asked for.</summary>
    public bool IsClosing => _closing || _fd < 0;

    /// <summary>Bytes waiting to be written.</summary>
    public long Pending => _queue.Length;

    public void Start()
    {
        if (watchReaderGone && !_watchingRead && _fd >= 0)
        {
            _watchingRead = true;
            reactor.AddReader(this);
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_fd < 0 || _closing || data.IsEmpty)
        {
            return;
        }

        _queue.Append(data);
        if (_queue.Length >= HighWaterMark)
        {
            if (!_writing)
            {
                Flush(runDrained: false);
            }

            if (_fd >= 0 && _streaming && !_producerPaused && _producer is IPushProducer push && _queue.Length >= HighWaterMark)
            {
                _producerPaused = true;
                push.PauseProducing();
            }
        }

        if (_fd >= 0 && !_writing)
        {
            reactor.RequestFlush(this);
        }
    }

    /// <summary>Closes once the pending writes are written.</summary>
    public void CloseWhenDrained()
    {
        if (_fd < 0 || _closing)
        {
            return;
        }

        _closing = true;
        if (!_writing)
        {
            reactor.RequestFlush(this);
        }
    }

    public void FlushBatch()
    {
        if (_fd >= 0 && !_writing)
        {
            Flush();
        }
    }

    public Exception? DoWrite()
    {
        if (_fd >= 0)
        {
            Flush();
        }

        return null;
    }

    public Exception? DoRead()
    {
        // Only EPOLLERR/EPOLLHUP make a write end "readable": the reader is gone.
        Close(new ConnectionLostException($"The reader of {name} closed it."));
        return null;
    }

    private void Flush(bool runDrained = true)
    {
        while (_queue.Length > 0)
        {
            var written = _queue.WriteTo(_fd);
            if (written >= 0)
            {
                continue;
            }

            var errno = (int)-written;
            if (errno == Libc.EINTR)
            {
                continue;
            }

            if (errno == Libc.EAGAIN)
            {
                break;
            }

            Close(errno == Libc.EPIPE
                ? new ConnectionLostException($"The reader of {name} closed it (broken pipe).")
                : new ConnectionLostException($"Writing {name} failed: {Libc.Describe(errno)}."));
            return;
        }

        if (_queue.Length > 0)
        {
            if (!_writing)
            {
                _writing = true;
                reactor.AddWriter(this);
            }

            if (_producerPaused && _queue.Length <= LowWaterMark)
            {
                ResumeProducer();
            }

            return;
        }

        if (_writing)
        {
            _writing = false;
            reactor.RemoveWriter(this);
        }

        if (runDrained)
        {
            Drained();
        }
    }

    private void Drained()
    {
        if (_producer is not null && !_closing)
        {
            if (!_streaming && _producer is IPullProducer pull)
            {
                pull.ResumeProducing();
                if (_queue.Length > 0)
                {
                    return;
                }
            }
            else if (_producerPaused)
            {
                ResumeProducer();
                if (_queue.Length > 0)
                {
                    return;
                }
            }
        }

        if (_closing)
        {
            Close(new ConnectionDoneException());
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

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        Producers.CheckRegistration(_producer, producer, streaming, name);

        if (_fd < 0 || _closing)
        {
            producer.StopProducing();
            return;
        }

        _producer = producer;
        _streaming = streaming;
        _producerPaused = false;
        if (!streaming)
        {
            ((IPullProducer)producer).ResumeProducing();
        }
        else if (_queue.Length >= HighWaterMark)
        {
            _producerPaused = true;
            ((IPushProducer)producer).PauseProducing();
        }
    }

    public void UnregisterProducer()
    {
        _producer = null;
        _producerPaused = false;
    }

    /// <summary>Closes now, dropping what is unwritten; tells the owner once.</summary>
    public void Close(Exception reason)
    {
        if (_fd < 0)
        {
            return;
        }

        if (_writing)
        {
            _writing = false;
            reactor.RemoveWriter(this);
        }

        if (_watchingRead)
        {
            _watchingRead = false;
            reactor.RemoveReader(this);
        }

        Libc.close(_fd);
        _fd = -1;
        _queue.Clear();
        var producer = _producer;
        _producer = null;
        Producers.Stop(producer, reactor.Logger, name);

        onClosed(reason);
    }

    void IDescriptor.ConnectionLost(Exception reason) => Close(reason);

    public override string ToString() => $"pipe writer {name} (fd {_fd})";
}
