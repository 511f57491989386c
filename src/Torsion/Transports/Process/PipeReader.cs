using Torsion.Reactor;

namespace Torsion.Transports.Process;

/// <summary>Hands bytes read from a pipe to its owner; the span is valid only during the call.</summary>
internal delegate void PipeDataHandler(ReadOnlySpan<byte> data);

/// <summary>
/// The reading end of a pipe (a child's stdout or stderr, a pseudo-terminal master, this process's stdin), watched by
/// the reactor and read into the reactor's shared buffer. Reports end of file once, closing the descriptor first.
/// </summary>
internal sealed unsafe class PipeReader(ReactorBase reactor, int fd, string name, bool isTerminal, PipeDataHandler onData, Action<Exception> onClosed)
    : IReadDescriptor
{
    private int _fd = fd;
    private bool _reading;
    private bool _paused;

    public int FileDescriptor => _fd;

    public bool IsClosed => _fd < 0;

    /// <summary>Starts watching (unless paused or closed).</summary>
    public void Start()
    {
        if (!_reading && !_paused && _fd >= 0)
        {
            _reading = true;
            reactor.AddReader(this);
        }
    }

    public void Pause()
    {
        _paused = true;
        StopWatching();
    }

    public void Resume()
    {
        _paused = false;
        Start();
    }

    public Exception? DoRead()
    {
        if (_fd < 0 || !_reading)
        {
            return null;
        }

        var n = Libc.read(_fd, reactor.ReadBufferPointer, reactor.ReadBuffer.Length);
        if (n > 0)
        {
            onData(new ReadOnlySpan<byte>(reactor.ReadBufferPointer, (int)n));
            return null;
        }

        if (n == 0)
        {
            Close(new ConnectionDoneException());
            return null;
        }

        var errno = Libc.Errno;
        if (errno is Libc.EAGAIN or Libc.EINTR)
        {
            return null;
        }

        // A pseudo-terminal master reads EIO once every slave descriptor is closed: that is its end of file.
        Close(errno == ProcessLibc.EIO && isTerminal
            ? new ConnectionDoneException()
            : new ConnectionLostException($"Reading {name} failed: {Libc.Describe(errno)}."));
        return null;
    }

    /// <summary>Stops watching, closes the descriptor and tells the owner, once.</summary>
    public void Close(Exception reason)
    {
        if (_fd < 0)
        {
            return;
        }

        StopWatching();
        Libc.close(_fd);
        _fd = -1;
        onClosed(reason);
    }

    void IDescriptor.ConnectionLost(Exception reason) => Close(reason);

    private void StopWatching()
    {
        if (_reading)
        {
            _reading = false;
            reactor.RemoveReader(this);
        }
    }

    public override string ToString() => $"pipe reader {name} (fd {_fd})";
}
