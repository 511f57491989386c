using Torsion.Defer;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>A request body held in memory, written in slices under the consumer's flow control.</summary>
public sealed class BytesBodyProducer : IBodyProducer
{
    /// <summary>Bytes written per slice: 64 KiB.</summary>
    public const int SliceSize = 64 * 1024;

    private readonly ReadOnlyMemory<byte> _body;
    private IConsumer? _consumer;
    private Deferred<Unit>? _done;
    private int _offset;
    private bool _paused;
    private bool _writing;

    /// <summary>A producer of <paramref name="body"/>.</summary>
    public BytesBodyProducer(ReadOnlyMemory<byte> body)
    {
        _body = body;
    }

    /// <inheritdoc />
    public long? Length => _body.Length;

    /// <inheritdoc />
    public Deferred<Unit> StartProducing(IConsumer consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        _consumer = consumer;
        _offset = 0;
        _paused = false;
        var done = _done = new Deferred<Unit>();
        consumer.RegisterProducer(this, streaming: true);
        WriteSome();
        return done;
    }

    /// <inheritdoc />
    public void PauseProducing() => _paused = true;

    /// <inheritdoc />
    public void ResumeProducing()
    {
        _paused = false;
        WriteSome();
    }

    /// <inheritdoc />
    public void StopProducing()
    {
        _paused = true;
        var done = _done;
        _done = null;
        if (done is { Called: false })
        {
            done.Errback(new ResponseFailedException("The request body was stopped before it was fully written."));
        }
    }

    private void WriteSome()
    {
        if (_writing || _consumer is null)
        {
            return;
        }

        _writing = true;
        try
        {
            while (!_paused && _done is not null && _offset < _body.Length)
            {
                var n = Math.Min(SliceSize, _body.Length - _offset);
                var slice = _body.Slice(_offset, n);
                _offset += n;
                _consumer.Write(slice.Span);
            }

            if (_offset >= _body.Length && _done is { } done)
            {
                _done = null;
                _consumer.UnregisterProducer();
                done.Callback(Unit.Value);
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
