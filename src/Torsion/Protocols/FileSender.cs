using System.Buffers;
using Torsion.Defer;
using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>
/// Streams a <see cref="Stream"/> to a consumer (a transport) in chunks under flow control (Twisted's
/// <c>FileSender</c>). As a pull producer (the default) it writes one chunk each time the consumer asks; as a push
/// producer it writes until paused and goes on when resumed. The returned Deferred fires with the number of bytes
/// sent once the stream ends (the producer is then unregistered), or fails if reading fails or the consumer stops it;
/// cancelling it stops the transfer. The stream is read on the caller's (reactor) thread and is not disposed: the
/// caller owns it.
/// </summary>
public sealed class FileSender : IPullProducer, IPushProducer
{
    /// <summary>The default chunk size: 16 KiB.</summary>
    public const int DefaultChunkSize = 16 * 1024;

    private Deferred<long>? _done;
    private Stream? _source;
    private IConsumer? _consumer;
    private byte[]? _chunk;
    private bool _streaming;
    private bool _paused;
    private bool _producing;

    /// <summary>Creates a sender that writes chunks of <paramref name="chunkSize"/> bytes.</summary>
    public FileSender(int chunkSize = DefaultChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        ChunkSize = chunkSize;
    }

    /// <summary>The size of each chunk written.</summary>
    public int ChunkSize { get; }

    /// <summary>Bytes written to the consumer so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>The last byte sent (Twisted's <c>lastSent</c>, e.g. for SMTP to know whether a line ended), or -1.</summary>
    public int LastByte { get; private set; } = -1;

    /// <summary>
    /// Registers with <paramref name="consumer"/> and starts sending <paramref name="source"/>. A push producer
    /// (<paramref name="streaming"/>) writes at once until paused; a pull producer waits to be asked.
    /// </summary>
    /// <returns>A Deferred that fires with the number of bytes sent when the stream ends.</returns>
    /// <exception cref="InvalidOperationException">This sender was already used: make one per transfer.</exception>
    public Deferred<long> BeginFileTransfer(Stream source, IConsumer consumer, bool streaming = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(consumer);
        if (_done is not null)
        {
            throw new InvalidOperationException("This FileSender already sent a stream; make a new FileSender for each transfer.");
        }

        var done = new Deferred<long>(_ => Cancelled());
        _done = done;

        _source = source;
        _consumer = consumer;
        _streaming = streaming;
        _chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        consumer.RegisterProducer(this, streaming);
        if (streaming)
        {
            Produce();
        }

        return done;
    }

    /// <summary>Pull: writes the next chunk. Push: goes on writing until paused.</summary>
    public void ResumeProducing()
    {
        _paused = false;
        Produce();
    }

    /// <summary>Stops writing until <see cref="ResumeProducing"/> (push mode).</summary>
    public void PauseProducing() => _paused = true;

    /// <summary>The consumer went away: the transfer fails with <see cref="ConnectionLostException"/>.</summary>
    public void StopProducing()
    {
        if (_source is null)
        {
            return;
        }

        Finish(new ConnectionLostException($"The consumer stopped the file transfer after {BytesSent} bytes."), unregister: false);
    }

    private void Produce()
    {
        if (_producing)
        {
            return;
        }

        _producing = true;
        try
        {
            do
            {
                if (_source is null || _consumer is null)
                {
                    return;
                }

                int n;
                try
                {
                    n = _source.Read(_chunk!, 0, ChunkSize);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
                {
                    Finish(new IOException($"Reading the stream failed after {BytesSent} bytes: {e.Message}", e), unregister: true);
                    return;
                }

                if (n == 0)
                {
                    Finish(null, unregister: true);
                    return;
                }

                BytesSent += n;
                LastByte = _chunk![n - 1];
                _consumer.Write(_chunk.AsSpan(0, n));
            }
            while (_streaming && !_paused);
        }
        finally
        {
            _producing = false;
            if (_source is null)
            {
                ReturnChunk();
            }
        }
    }

    /// <summary>The Deferred was cancelled: stop and let go of the consumer (the Deferred fails with CancelledException).</summary>
    private void Cancelled()
    {
        var consumer = _consumer;
        if (_source is null)
        {
            return;
        }

        _source = null;
        if (!_producing)
        {
            ReturnChunk();
        }

        consumer?.UnregisterProducer();
    }

    private void ReturnChunk()
    {
        if (_chunk is not null)
        {
            ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = null;
        }
    }

    private void Finish(Exception? error, bool unregister)
    {
        var consumer = _consumer;
        _source = null;
        if (!_producing)
        {
            // While producing, the consumer may still be reading the chunk: Produce returns it when done.
            ReturnChunk();
        }

        if (unregister)
        {
            consumer?.UnregisterProducer();
        }

        if (_done is null || _done.Called)
        {
            return;
        }

        if (error is null)
        {
            _done.Callback(BytesSent);
        }
        else
        {
            _done.Errback(error);
        }
    }
}
