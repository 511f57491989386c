using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>
/// The base of the length-prefixed framings (Twisted's <c>IntNStringReceiver</c>): each string is preceded by its
/// length as an unsigned big-endian integer of <see cref="PrefixLength"/> bytes. Lengths above
/// <see cref="MaxLength"/> (99999 by default) call <see cref="LengthLimitExceeded"/>, which closes the connection.
/// Subclass <see cref="Int8StringReceiver"/>, <see cref="Int16StringReceiver"/> or <see cref="Int32StringReceiver"/>.
/// </summary>
public abstract class IntNStringReceiver : Protocol, IPushProducer, IFrameSink
{
    /// <summary>The default <see cref="MaxLength"/>: 99999 bytes.</summary>
    public const int DefaultMaxLength = 99999;

    private readonly FrameReader _reader = new();
    private int _maxLength = DefaultMaxLength;
    private bool _paused;

    private protected IntNStringReceiver(int prefixLength)
    {
        PrefixLength = prefixLength;
    }

    /// <summary>The size of the length prefix in bytes (1, 2 or 4).</summary>
    public int PrefixLength { get; }

    /// <summary>The longest string accepted (default <see cref="DefaultMaxLength"/>).</summary>
    public int MaxLength
    {
        get => _maxLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxLength = value;
        }
    }

    /// <summary>The longest string the prefix can describe: 2^(8 × <see cref="PrefixLength"/>) − 1 bytes.</summary>
    public long MaxPrefixedLength => (1L << (8 * PrefixLength)) - 1;

    /// <summary>True while delivery is paused (<see cref="PauseProducing"/>).</summary>
    public bool Paused => _paused;

    /// <summary>Where framing errors are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The framing error that closed this connection, if one did.</summary>
    public Exception? ProtocolError { get; protected set; }

    bool IFrameSink.CanDeliver => !_paused && ProtocolError is null && (Connected || !HasTransport);

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data) => _reader.Feed(data, this);

    /// <summary>A whole string arrived (without its prefix); valid only during the call.</summary>
    public abstract void StringReceived(ReadOnlySpan<byte> data);

    /// <summary>
    /// A prefix announced <paramref name="length"/> bytes, more than <see cref="MaxLength"/>. By default sets
    /// <see cref="ProtocolError"/>, logs it and closes the connection; the rest of the input is dropped.
    /// </summary>
    public virtual void LengthLimitExceeded(long length)
    {
        ProtocolError = new LengthLimitExceededException($"Length prefix announces a string", length, MaxLength);
        FramingError.Close(this, Logger, ProtocolError);
    }

    /// <summary>Writes the length prefix and <paramref name="data"/>.</summary>
    /// <exception cref="StringTooLongException">The string does not fit the prefix (see <see cref="MaxPrefixedLength"/>).</exception>
    public void SendString(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxPrefixedLength)
        {
            throw new StringTooLongException(
                $"Cannot send {data.Length} bytes with a {PrefixLength}-byte length prefix: at most {MaxPrefixedLength} bytes fit.");
        }

        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)data.Length);
        Transport.Write(prefix[(4 - PrefixLength)..]);
        Transport.Write(data);
    }

    /// <summary>Stops delivering strings (buffered ones are held) and pauses reading from the transport.</summary>
    public void PauseProducing()
    {
        _paused = true;
        Transport.PauseProducing();
    }

    /// <summary>Resumes reading and delivers the strings held while paused.</summary>
    public void ResumeProducing()
    {
        _paused = false;
        Transport.ResumeProducing();
        _reader.Feed(default, this);
    }

    /// <summary>Stops delivering strings for good and stops the transport.</summary>
    public void StopProducing()
    {
        _paused = true;
        Transport.StopProducing();
    }

    int IFrameSink.Step(ReadOnlySpan<byte> available, out bool stop)
    {
        stop = false;
        var prefixLength = PrefixLength;
        if (available.Length < prefixLength)
        {
            return 0;
        }

        long length = prefixLength switch
        {
            1 => available[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(available),
            _ => BinaryPrimitives.ReadUInt32BigEndian(available),
        };
        if (length > _maxLength)
        {
            stop = true;
            LengthLimitExceeded(length);
            return available.Length;
        }

        var end = prefixLength + (int)length;
        if (available.Length < end)
        {
            return 0;
        }

        StringReceived(available[prefixLength..end]);
        return end;
    }
}
