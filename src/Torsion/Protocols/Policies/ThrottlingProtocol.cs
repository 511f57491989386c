using System.Buffers;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Protocols.Policies;

/// <summary>
/// The wrapper used by <see cref="ThrottlingFactory"/>: counts bytes both ways and pauses reading (the transport)
/// or writing (the wrapped protocol's producer) while its factory or its own per-connection limit says so. Pauses
/// asked by the wrapped protocol or by the transport's water marks are kept apart from throttling, so each side
/// resumes only when no one wants it paused.
/// </summary>
public sealed class ThrottlingProtocol : ProtocolWrapper
{
    private readonly ThrottlingFactory _factory;
    private readonly IReactorTime _clock;
    private readonly ProducerProxy _proxy;
    private IDelayedCall? _unthrottleReads;
    private IDelayedCall? _unthrottleWrites;
    private bool _protocolPausedReading;
    private bool _transportPaused;
    private bool _readThrottled;
    private bool _writeThrottled;
    private IProducer? _producer;
    private bool _streaming;
    private bool _consumerPaused;
    private bool _producerPaused;
    private bool _pullPending;

    /// <summary>Wraps <paramref name="wrappedProtocol"/> for <paramref name="factory"/>.</summary>
    public ThrottlingProtocol(ThrottlingFactory factory, IProtocol wrappedProtocol)
        : base(factory, wrappedProtocol)
    {
        _factory = factory;
        _clock = factory.Clock;
        _proxy = new ProducerProxy(this);
    }

    /// <summary>Bytes read by this connection since the last check.</summary>
    public long ReadThisSecond { get; private set; }

    /// <summary>Bytes written by this connection since the last check.</summary>
    public long WrittenThisSecond { get; private set; }

    /// <summary>True while reading is paused by a limit (this connection's or the total).</summary>
    public bool ReadsThrottled => _readThrottled || _factory.ReadsThrottled;

    /// <summary>True while the producer is held back by a limit (this connection's or the total).</summary>
    public bool WritesThrottled => _writeThrottled || _factory.WritesThrottled;

    /// <inheritdoc />
    public override void MakeConnection(ITransport transport)
    {
        base.MakeConnection(transport);
        Update();
    }

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        ReadThisSecond += data.Length;
        _factory.ReadThisSecond += data.Length;
        base.DataReceived(data);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> data)
    {
        WrittenThisSecond += data.Length;
        _factory.WrittenThisSecond += data.Length;
        base.Write(data);
    }

    /// <inheritdoc />
    public override void WriteSequence(ReadOnlySequence<byte> data)
    {
        WrittenThisSecond += data.Length;
        _factory.WrittenThisSecond += data.Length;
        base.WriteSequence(data);
    }

    /// <inheritdoc />
    public override void PauseProducing()
    {
        _protocolPausedReading = true;
        UpdateReading();
    }

    /// <inheritdoc />
    public override void ResumeProducing()
    {
        _protocolPausedReading = false;
        UpdateReading();
    }

    /// <inheritdoc />
    public override void RegisterProducer(IProducer producer, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(producer);
        Transport.RegisterProducer(_proxy, streaming);
        _producer = producer;
        _streaming = streaming;
        _consumerPaused = _producerPaused = _pullPending = false;
        UpdateWriting();
    }

    /// <inheritdoc />
    public override void UnregisterProducer()
    {
        Transport.UnregisterProducer();
        _producer = null;
    }

    /// <inheritdoc />
    public override void ConnectionLost(Exception reason)
    {
        ThrottlingFactory.Cancel(ref _unthrottleReads);
        ThrottlingFactory.Cancel(ref _unthrottleWrites);
        base.ConnectionLost(reason);
    }

    internal void CheckSecond(long? readLimit, long? writeLimit)
    {
        if (ThrottlingFactory.Overrun(ReadThisSecond, readLimit) is { } readPause)
        {
            _readThrottled = true;
            ThrottlingFactory.ScheduleLatest(_clock, ref _unthrottleReads, readPause, () =>
            {
                _unthrottleReads = null;
                _readThrottled = false;
                Update();
            });
        }

        if (ThrottlingFactory.Overrun(WrittenThisSecond, writeLimit) is { } writePause)
        {
            _writeThrottled = true;
            ThrottlingFactory.ScheduleLatest(_clock, ref _unthrottleWrites, writePause, () =>
            {
                _unthrottleWrites = null;
                _writeThrottled = false;
                Update();
            });
        }

        ReadThisSecond = WrittenThisSecond = 0;
        Update();
    }

    internal void Update()
    {
        if (!Connected)
        {
            return;
        }

        UpdateReading();
        UpdateWriting();
    }

    private void UpdateReading()
    {
        var pause = _protocolPausedReading || ReadsThrottled;
        if (pause == _transportPaused || !Connected)
        {
            return;
        }

        _transportPaused = pause;
        if (pause)
        {
            Transport.PauseProducing();
        }
        else
        {
            Transport.ResumeProducing();
        }
    }

    private void UpdateWriting()
    {
        switch (_producer)
        {
            case IPushProducer push when _streaming:
                var pause = _consumerPaused || WritesThrottled;
                if (pause != _producerPaused)
                {
                    _producerPaused = pause;
                    if (pause)
                    {
                        push.PauseProducing();
                    }
                    else
                    {
                        push.ResumeProducing();
                    }
                }

                break;
            case IPullProducer pull when _pullPending && !WritesThrottled:
                _pullPending = false;
                pull.ResumeProducing();
                break;
        }
    }

    /// <summary>What the real transport sees as the producer: it merges its pauses with the throttle's.</summary>
    private sealed class ProducerProxy(ThrottlingProtocol owner) : IPushProducer, IPullProducer
    {
        public void PauseProducing()
        {
            owner._consumerPaused = true;
            owner.UpdateWriting();
        }

        public void ResumeProducing()
        {
            if (owner._streaming)
            {
                owner._consumerPaused = false;
            }
            else
            {
                owner._pullPending = true;
            }

            owner.UpdateWriting();
        }

        public void StopProducing() => owner._producer?.StopProducing();
    }
}
