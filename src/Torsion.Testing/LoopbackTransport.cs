using System.Buffers;
using System.Net;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Testing;

/// <summary>
/// One end of an in-memory connection made by <see cref="LoopbackPump"/>: writes are buffered until the pump
/// moves them to the other end, and closes, half-closes, pauses and producers behave as on a TCP transport.
/// </summary>
public sealed class LoopbackTransport : ITransport, IHalfCloseable
{
    private readonly LoopbackPump _pump;
    private byte[] _buffer = [];
    private int _start;
    private int _end;

    internal LoopbackTransport(LoopbackPump pump, IProtocol protocol, EndPoint host, EndPoint peer)
    {
        _pump = pump;
        Protocol = protocol;
        Host = host;
        Peer = peer;
    }

    /// <summary>The protocol on this end.</summary>
    public IProtocol Protocol { get; }

    /// <inheritdoc />
    public EndPoint Peer { get; }

    /// <inheritdoc />
    public EndPoint Host { get; }

    /// <summary>Bytes written on this end that the pump has not moved yet.</summary>
    public int PendingBytes => _end - _start;

    /// <summary>True once <see cref="LoseConnection"/> or <see cref="AbortConnection"/> was called on this end.</summary>
    public bool Disconnecting { get; private set; }

    /// <summary>True once <see cref="AbortConnection"/> was called on this end.</summary>
    public bool Aborted { get; private set; }

    /// <summary>True once <see cref="LoseWriteConnection"/> was called on this end.</summary>
    public bool WriteSideClosed { get; private set; }

    /// <summary>True while the protocol on this end asked not to read (<see cref="PauseProducing"/>).</summary>
    public bool ReadingPaused { get; private set; }

    /// <summary>True once <c>ConnectionLost</c> was delivered on this end.</summary>
    public bool Closed { get; internal set; }

    /// <summary>The producer registered on this end, if any.</summary>
    public IProducer? Producer { get; private set; }

    /// <summary>True when the registered producer is a streaming (push) producer.</summary>
    public bool Streaming { get; private set; }

    /// <summary>True while this end has paused its push producer because too much is buffered.</summary>
    public bool ProducerPaused { get; private set; }

    internal LoopbackTransport Other { get; set; } = null!;

    internal bool FinSent { get; set; }

    internal bool FinReceived { get; set; }

    internal bool CanRead => !ReadingPaused && !Disconnecting && !Closed && !FinReceived;

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> data)
    {
        if (Closed || Aborted || WriteSideClosed || data.IsEmpty)
        {
            return;
        }

        Append(data);
        CheckHighWater();
    }

    /// <inheritdoc />
    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        if (Closed || Aborted || WriteSideClosed)
        {
            return;
        }

        foreach (var segment in data)
        {
            Append(segment.Span);
        }

        CheckHighWater();
    }

    /// <inheritdoc />
    public void LoseConnection() => Disconnecting = true;

    /// <inheritdoc />
    public void AbortConnection()
    {
        Disconnecting = true;
        Aborted = true;
        _start = _end = 0;
    }

    /// <inheritdoc />
    public void LoseWriteConnection() => WriteSideClosed = true;

    /// <inheritdoc />
    public void RegisterProducer(IProducer producer, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(producer);
        if (Producer is not null)
        {
            throw new InvalidOperationException(
                $"LoopbackTransport already has a producer ({Producer.GetType().Name}); unregister it before registering {producer.GetType().Name}.");
        }

        if (streaming ? producer is not IPushProducer : producer is not IPullProducer)
        {
            throw new ArgumentException(
                $"A {(streaming ? "streaming producer must be an IPushProducer" : "non-streaming producer must be an IPullProducer")}; {producer.GetType().Name} is not.",
                nameof(producer));
        }

        if (Closed)
        {
            producer.StopProducing();
            return;
        }

        Producer = producer;
        Streaming = streaming;
        ProducerPaused = false;
        CheckHighWater();
    }

    /// <inheritdoc />
    public void UnregisterProducer()
    {
        Producer = null;
        Streaming = false;
        ProducerPaused = false;
    }

    /// <inheritdoc />
    public void PauseProducing() => ReadingPaused = true;

    /// <inheritdoc />
    public void ResumeProducing() => ReadingPaused = false;

    /// <inheritdoc />
    public void StopProducing() => LoseConnection();

    internal int Take(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, PendingBytes);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        _start += n;
        if (_start == _end)
        {
            _start = _end = 0;
        }

        return n;
    }

    /// <summary>Resumes or pulls from the producer as the buffer drains; true if that changed anything.</summary>
    internal bool ServeProducer()
    {
        if (Closed || Producer is null)
        {
            return false;
        }

        if (Streaming)
        {
            if (ProducerPaused && PendingBytes <= _pump.LowWaterMark)
            {
                ProducerPaused = false;
                ((IPushProducer)Producer).ResumeProducing();
                return true;
            }

            return false;
        }

        if (PendingBytes == 0 && !Disconnecting && !WriteSideClosed)
        {
            var producer = Producer;
            ((IPullProducer)producer).ResumeProducing();
            return PendingBytes > 0 || !ReferenceEquals(producer, Producer);
        }

        return false;
    }

    internal void StopProducer()
    {
        var producer = Producer;
        Producer = null;
        producer?.StopProducing();
    }

    private void CheckHighWater()
    {
        if (Streaming && !ProducerPaused && PendingBytes > _pump.HighWaterMark && Producer is IPushProducer push)
        {
            ProducerPaused = true;
            push.PauseProducing();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer.Length - _end < data.Length)
        {
            var pending = PendingBytes;
            var next = pending + data.Length <= _buffer.Length
                ? _buffer
                : new byte[Math.Max(pending + data.Length, _buffer.Length * 2)];
            _buffer.AsSpan(_start, pending).CopyTo(next);
            _buffer = next;
            _start = 0;
            _end = pending;
        }

        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
    }
}
