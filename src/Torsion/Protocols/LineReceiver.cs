using Microsoft.Extensions.Logging;
using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>
/// A protocol that receives lines and/or raw data (Twisted's <c>LineReceiver</c>): lines end with
/// <see cref="Delimiter"/> (CRLF by default) and may be at most <see cref="MaxLength"/> bytes (16384 by default).
/// <see cref="SetRawMode"/> and <see cref="SetLineMode"/> switch mid-buffer without losing bytes. As a push
/// producer, <see cref="PauseProducing"/> holds back buffered lines (and pauses the transport) until resumed.
/// Lines that arrive whole in one read are delivered straight from the read buffer, with no copy.
/// </summary>
public abstract class LineReceiver : Protocol, IPushProducer, IFrameSink
{
    /// <summary>The default <see cref="MaxLength"/>: 16384 bytes.</summary>
    public const int DefaultMaxLength = 16384;

    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly FrameReader _reader = new();
    private byte[] _delimiter = Crlf;
    private int _maxLength = DefaultMaxLength;
    private bool _paused;

    /// <summary>The bytes that end a line (CRLF by default). The value is copied.</summary>
    /// <exception cref="ArgumentException">The delimiter is empty.</exception>
    public ReadOnlySpan<byte> Delimiter
    {
        get => _delimiter;
        set
        {
            if (value.IsEmpty)
            {
                throw new ArgumentException("A line delimiter cannot be empty.", nameof(value));
            }

            _delimiter = value.ToArray();
        }
    }

    /// <summary>The longest line accepted, delimiter excluded (default <see cref="DefaultMaxLength"/>).</summary>
    public int MaxLength
    {
        get => _maxLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxLength = value;
        }
    }

    /// <summary>True in line mode (the initial mode), false in raw mode.</summary>
    public bool LineMode { get; private set; } = true;

    /// <summary>True while line delivery is paused (<see cref="PauseProducing"/>).</summary>
    public bool Paused => _paused;

    /// <summary>Where framing errors are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The framing error that closed this connection, if one did.</summary>
    public Exception? ProtocolError { get; protected set; }

    /// <summary>The bytes received but not delivered yet (a partial line, or lines held while paused).</summary>
    public int BufferedLength => _reader.Buffered;

    bool IFrameSink.CanDeliver => !_paused && ProtocolError is null && (Connected || !HasTransport);

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data) => _reader.Feed(data, this);

    /// <summary>A whole line arrived, without its delimiter. The span is valid only during the call.</summary>
    public abstract void LineReceived(ReadOnlySpan<byte> line);

    /// <summary>Bytes arrived in raw mode. The span is valid only during the call.</summary>
    /// <exception cref="InvalidOperationException">Raw mode is used but this method is not overridden.</exception>
    public virtual void RawDataReceived(ReadOnlySpan<byte> data) =>
        throw new InvalidOperationException($"{GetType().Name} switched to raw mode but does not override RawDataReceived.");

    /// <summary>
    /// A line (or a partial line with no delimiter yet) is longer than <see cref="MaxLength"/>; <paramref name="line"/>
    /// holds it and whatever followed. By default sets <see cref="ProtocolError"/>, logs it and closes the connection.
    /// </summary>
    public virtual void LineLengthExceeded(ReadOnlySpan<byte> line)
    {
        ProtocolError = new LengthLimitExceededException("Line", line.Length, MaxLength);
        FramingError.Close(this, Logger, ProtocolError);
    }

    /// <summary>From now on, deliver bytes to <see cref="RawDataReceived"/>, starting with the rest of the current read.</summary>
    public void SetRawMode() => LineMode = false;

    /// <summary>
    /// From now on, deliver lines, starting with the rest of the current read. <paramref name="extra"/> (bytes a raw
    /// handler took but did not use) is parsed first, before anything still buffered.
    /// </summary>
    public void SetLineMode(ReadOnlySpan<byte> extra = default)
    {
        LineMode = true;
        if (!extra.IsEmpty)
        {
            _reader.Feed(extra, this);
        }
    }

    /// <summary>Writes <paramref name="line"/> followed by <see cref="Delimiter"/>.</summary>
    public void SendLine(ReadOnlySpan<byte> line)
    {
        Transport.Write(line);
        Transport.Write(_delimiter);
    }

    /// <summary>Stops delivering lines (buffered ones are held) and pauses reading from the transport.</summary>
    public void PauseProducing()
    {
        _paused = true;
        Transport.PauseProducing();
    }

    /// <summary>Resumes reading and delivers the lines held while paused.</summary>
    public void ResumeProducing()
    {
        _paused = false;
        Transport.ResumeProducing();
        _reader.Feed(default, this);
    }

    /// <summary>Stops delivering lines for good and stops the transport.</summary>
    public void StopProducing()
    {
        _paused = true;
        Transport.StopProducing();
    }

    int IFrameSink.Step(ReadOnlySpan<byte> available, out bool stop)
    {
        stop = false;
        if (!LineMode)
        {
            RawDataReceived(available);
            return available.Length;
        }

        var delimiter = _delimiter;
        var end = available.IndexOf(delimiter);
        if (end < 0)
        {
            if (available.Length >= (long)_maxLength + delimiter.Length)
            {
                stop = true;
                LineLengthExceeded(available);
                return available.Length;
            }

            return 0;
        }

        if (end > _maxLength)
        {
            stop = true;
            LineLengthExceeded(available);
            return available.Length;
        }

        LineReceived(available[..end]);
        return end + delimiter.Length;
    }
}
