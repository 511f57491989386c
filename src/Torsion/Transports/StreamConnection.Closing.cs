using System.Net.Sockets;
using Torsion.Diagnostics;
using Torsion.Reactor;

namespace Torsion.Transports;

internal unsafe partial class StreamConnection
{
    // ---- closing ----

    public void LoseConnection()
    {
        _reactor.CheckThread("ITransport.LoseConnection");
        if (_socketClosed || _disconnecting)
        {
            return;
        }

        _disconnecting = true;
        StopReading();
        if (!_writing)
        {
            _reactor.RequestFlush(this);
        }
    }

    public void LoseWriteConnection()
    {
        _reactor.CheckThread("IHalfCloseable.LoseWriteConnection");
        if (_socketClosed || _disconnecting || _writeClosing)
        {
            return;
        }

        _writeClosing = true;
        if (!_writing)
        {
            _reactor.RequestFlush(this);
        }
    }

    public void AbortConnection()
    {
        _reactor.CheckThread("ITransport.AbortConnection");
        if (_socketClosed)
        {
            return;
        }

        // Close at once (a reset goes out now); the protocol hears of it when this batch ends, not inside its own call.
        CloseSocket(abort: true);
        _pendingError ??= new ConnectionLostException($"Connection to {Peer} was aborted by this side (AbortConnection).");
        _reactor.RequestFlush(this);
    }

    void IDescriptor.ConnectionLost(Exception reason) => Close(reason, abort: false);

    private void CloseSocket(bool abort)
    {
        if (_socketClosed)
        {
            return;
        }

        StopReading();
        if (_writing)
        {
            _writing = false;
            _reactor.RemoveWriter(this);
        }

        _socketClosed = true;
        try
        {
            if (abort)
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (SocketException)
        {
            // The socket is already dead; closing it is all that is left.
        }

        _socket.Dispose();
        _queue?.Clear();
        OnSocketClosed();
    }

    private void Close(Exception reason, bool abort)
    {
        if (_notified)
        {
            return;
        }

        _notified = true;
        CloseSocket(abort);
        var producer = _producer;
        _producer = null;
        Producers.Stop(producer, _reactor.Logger, this);

        try
        {
            _protocol.ConnectionLost(reason);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(_reactor.Logger, $"ConnectionLost of {this}", e);
        }

        _onLost?.Invoke(reason);
        _reactor.RemoveConnection(this);
        TorsionMetrics.Shared.ConnectionClosed(_tag);
    }

    // ---- flow control ----

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(producer);
        _reactor.CheckThread("ITransport.RegisterProducer");
        Producers.CheckRegistration(_producer, producer, streaming, this);

        if (_socketClosed || _disconnecting)
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
        else if (_queue is { Length: >= HighWaterMark })
        {
            _producerPaused = true;
            ((IPushProducer)producer).PauseProducing();
        }
    }

    public void UnregisterProducer()
    {
        _reactor.CheckThread("ITransport.UnregisterProducer");
        _producer = null;
        _producerPaused = false;
    }

    public void PauseProducing()
    {
        _reactor.CheckThread("ITransport.PauseProducing");
        _readPaused = true;
        StopReading();
    }

    public void ResumeProducing()
    {
        _reactor.CheckThread("ITransport.ResumeProducing");
        _readPaused = false;
        StartReading();
    }

    public void StopProducing() => LoseConnection();

    public override string ToString() => $"{Kind} {Host} <- {Peer} ({_protocol.GetType().Name})";
}
