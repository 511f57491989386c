using Microsoft.Extensions.Logging;

namespace Torsion.Protocols;

/// <summary>
/// A protocol that receives only lines (Twisted's <c>LineOnlyReceiver</c>): simpler than <see cref="LineReceiver"/>
/// (no raw mode, no pausing). Lines end with <see cref="Delimiter"/> (CRLF by default) and may be at most
/// <see cref="MaxLength"/> bytes (16384 by default).
/// </summary>
public abstract class LineOnlyReceiver : Protocol, IFrameSink
{
    /// <summary>The default <see cref="MaxLength"/>: 16384 bytes.</summary>
    public const int DefaultMaxLength = 16384;

    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    private readonly FrameReader _reader = new();
    private byte[] _delimiter = Crlf;
    private int _maxLength = DefaultMaxLength;

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

    /// <summary>Where framing errors are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The framing error that closed this connection, if one did.</summary>
    public Exception? ProtocolError { get; protected set; }

    bool IFrameSink.CanDeliver => ProtocolError is null && (Connected || !HasTransport);

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data) => _reader.Feed(data, this);

    /// <summary>A whole line arrived, without its delimiter. The span is valid only during the call.</summary>
    public abstract void LineReceived(ReadOnlySpan<byte> line);

    /// <summary>
    /// A line (or a partial line) is longer than <see cref="MaxLength"/>. By default sets
    /// <see cref="ProtocolError"/>, logs it and closes the connection; no more lines are delivered.
    /// </summary>
    public virtual void LineLengthExceeded(ReadOnlySpan<byte> line)
    {
        ProtocolError = new LengthLimitExceededException("Line", line.Length, MaxLength);
        FramingError.Close(this, Logger, ProtocolError);
    }

    /// <summary>Writes <paramref name="line"/> followed by <see cref="Delimiter"/>.</summary>
    public void SendLine(ReadOnlySpan<byte> line)
    {
        Transport.Write(line);
        Transport.Write(_delimiter);
    }

    int IFrameSink.Step(ReadOnlySpan<byte> available, out bool stop)
    {
        stop = false;
        var delimiter = _delimiter;
        var end = available.IndexOf(delimiter);
        if (end < 0)
        {
            if (available.Length > _maxLength)
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
            LineLengthExceeded(available[..end]);
            return available.Length;
        }

        LineReceived(available[..end]);
        return end + delimiter.Length;
    }
}
