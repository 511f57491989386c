using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>
/// A body arriving on a connection: buffered (up to <see cref="BufferLimit"/>, then the connection is paused) until a
/// protocol is delivered, then passed through as it arrives.
/// </summary>
internal sealed class ConnectionBody : IResponseBody
{
    /// <summary>How much body is kept before DeliverBody is called, before the connection is paused: 64 KiB.</summary>
    public const int BufferLimit = 64 * 1024;

    private readonly ITransport _connection;
    private readonly Action _stop;
    private MemoryStream? _buffer;
    private IProtocol? _protocol;
    private ResponseBodyTransport? _transport;
    private Exception? _end;
    private bool _pausedForBuffer;
    private bool _finished;

    public ConnectionBody(ITransport connection, Action stop)
    {
        _connection = connection;
        _stop = stop;
    }

    public void Deliver(IProtocol protocol)
    {
        _protocol = protocol;
        _transport = new ResponseBodyTransport(_connection, Stop);
        protocol.MakeConnection(_transport);
        if (_buffer is { Length: > 0 } buffer)
        {
            _buffer = null;
            protocol.DataReceived(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        if (_pausedForBuffer)
        {
            _pausedForBuffer = false;
            if (!_transport.Paused && _end is null)
            {
                _connection.ResumeProducing();
            }
        }

        if (_end is { } end && !_finished)
        {
            _finished = true;
            protocol.ConnectionLost(end);
        }
    }

    public void Data(ReadOnlySpan<byte> data)
    {
        if (_finished)
        {
            return;
        }

        if (_protocol is { } protocol)
        {
            protocol.DataReceived(data);
            return;
        }

        _buffer ??= new MemoryStream();
        _buffer.Write(data);
        if (_buffer.Length > BufferLimit && !_pausedForBuffer)
        {
            _pausedForBuffer = true;
            _connection.PauseProducing();
        }
    }

    /// <summary>The body ended: <see cref="ResponseDoneException"/> or the failure.</summary>
    public void End(Exception reason)
    {
        if (_end is not null)
        {
            return;
        }

        _end = reason;
        if (_pausedForBuffer)
        {
            _pausedForBuffer = false;
            _connection.ResumeProducing();
        }

        if (_protocol is { } protocol && !_finished)
        {
            _finished = true;
            if (_transport!.Paused)
            {
                _transport.ResumeProducing();
            }

            protocol.ConnectionLost(reason);
        }
    }

    private void Stop()
    {
        if (_end is null)
        {
            _stop();
        }
    }
}
