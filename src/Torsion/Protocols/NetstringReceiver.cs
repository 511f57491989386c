using System.Buffers.Text;
using Microsoft.Extensions.Logging;

namespace Torsion.Protocols;

/// <summary>
/// A protocol that receives netstrings (D. J. Bernstein's format, Twisted's <c>NetstringReceiver</c>):
/// <c>&lt;decimal length&gt;:&lt;bytes&gt;,</c> as in <c>5:hello,</c>. The length has no sign and no leading
/// zeros and may be at most <see cref="MaxLength"/> (99999 by default). Anything else is a
/// <see cref="NetstringParseException"/> that closes the connection.
/// </summary>
public abstract class NetstringReceiver : Protocol, IFrameSink
{
    /// <summary>The default <see cref="MaxLength"/>: 99999 bytes.</summary>
    public const int DefaultMaxLength = 99999;

    private readonly FrameReader _reader = new();
    private int _maxLength = DefaultMaxLength;
    private int _maxDigits = DigitCount(DefaultMaxLength);

    /// <summary>The longest string accepted (default <see cref="DefaultMaxLength"/>).</summary>
    public int MaxLength
    {
        get => _maxLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxLength = value;
            _maxDigits = DigitCount(value);
        }
    }

    /// <summary>Where framing errors are logged (nothing is logged when null).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The parse error that closed this connection, if one did (Twisted's <c>brokenPeer</c>).</summary>
    public Exception? ProtocolError { get; protected set; }

    bool IFrameSink.CanDeliver => ProtocolError is null && (Connected || !HasTransport);

    /// <inheritdoc />
    public sealed override void DataReceived(ReadOnlySpan<byte> data) => _reader.Feed(data, this);

    /// <summary>A whole netstring arrived; <paramref name="data"/> is its content, valid only during the call.</summary>
    public abstract void StringReceived(ReadOnlySpan<byte> data);

    /// <summary>The peer sent a malformed netstring. By default sets <see cref="ProtocolError"/>, logs it and closes the connection.</summary>
    public virtual void HandleParseError(NetstringParseException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        ProtocolError = error;
        FramingError.Close(this, Logger, error);
    }

    /// <summary>Writes <paramref name="data"/> as one netstring.</summary>
    public void SendString(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        Utf8Formatter.TryFormat(data.Length, header, out var n);
        header[n++] = (byte)':';
        Transport.Write(header[..n]);
        Transport.Write(data);
        Transport.Write(","u8);
    }

    int IFrameSink.Step(ReadOnlySpan<byte> available, out bool stop)
    {
        stop = false;
        var colon = available[..Math.Min(available.Length, _maxDigits + 1)].IndexOf((byte)':');
        var digits = colon < 0 ? available[..Math.Min(available.Length, _maxDigits + 1)] : available[..colon];
        string? error = null;
        if (colon == 0 || (digits.Length > 0 && !IsDecimal(digits)))
        {
            error = $"The received netstring does not start with a length specification (got \"{Printable(available)}\").";
        }
        else if (colon < 0 && digits.Length > _maxDigits)
        {
            error = $"The received netstring's length specification is longer than MaxLength {_maxLength} allows.";
        }
        else if (colon < 0)
        {
            return 0;
        }

        long length = 0;
        if (error is null)
        {
            foreach (var d in digits)
            {
                length = length * 10 + (d - '0');
            }

            if (length > _maxLength)
            {
                error = $"The received netstring is {length} bytes, longer than MaxLength {_maxLength}.";
            }
        }

        if (error is null)
        {
            var need = colon + 1 + length + 1;
            if (available.Length < need)
            {
                return 0;
            }

            var body = available.Slice(colon + 1, (int)length);
            if (available[(int)need - 1] != (byte)',')
            {
                error = $"The received netstring is not terminated by a comma (got \"{Printable(available.Slice((int)need - 1, 1))}\" after {length} bytes).";
            }
            else
            {
                StringReceived(body);
                return (int)need;
            }
        }

        stop = true;
        HandleParseError(new NetstringParseException(error));
        return available.Length;
    }

    private static bool IsDecimal(ReadOnlySpan<byte> digits)
    {
        if (digits.Length > 1 && digits[0] == (byte)'0')
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(ReadOnlySpan<byte> data)
    {
        var shown = data[..Math.Min(data.Length, 16)];
        var chars = new char[shown.Length];
        for (var i = 0; i < shown.Length; i++)
        {
            chars[i] = shown[i] is >= 0x20 and < 0x7f ? (char)shown[i] : '?';
        }

        return new string(chars) + (data.Length > shown.Length ? "..." : "");
    }

    private static int DigitCount(int value) => value == 0 ? 1 : (int)Math.Floor(Math.Log10(value)) + 1;
}
