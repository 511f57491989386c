using System.Buffers;
using System.Buffers.Binary;

namespace Torsion.Web.WebSocket;

/// <summary>
/// Parses frames and assembles messages (RFC 6455 sections 5.2-5.5), incrementally and without I/O: unmasks, joins
/// fragments, validates text as it arrives, enforces the frame and message limits, and throws
/// <see cref="WebSocketProtocolException"/> carrying the close code for every violation.
/// </summary>
public sealed class WebSocketFrameParser : IDisposable
{
    private readonly byte[] _header = new byte[WebSocketFrameFormatter.MaxHeaderLength];
    private readonly byte[] _control = new byte[125];
    private readonly bool _expectMasked;
    private readonly long _maxFrameSize;
    private readonly long _maxMessageSize;
    private int _headerLength;
    private bool _inPayload;
    private bool _fin;
    private WebSocketOpcode _frameOpcode;
    private bool _masked;
    private uint _maskKey;
    private int _maskOffset;
    private long _remaining;
    private int _controlLength;
    private WebSocketOpcode _messageOpcode;
    private bool _inMessage;
    private bool _messageCompressed;
    private byte[] _message = [];
    private int _messageLength;
    private bool _returnedMessage;
    private Utf8StreamValidator _utf8;

    /// <summary>Makes a parser.</summary>
    /// <param name="expectMasked">True on a server (client frames must be masked), false on a client.</param>
    /// <param name="maxFrameSize">The largest frame payload accepted (else close 1009).</param>
    /// <param name="maxMessageSize">The largest message accepted, fragments joined (else close 1009).</param>
    public WebSocketFrameParser(bool expectMasked, long maxFrameSize, long maxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageSize, Array.MaxLength);
        _expectMasked = expectMasked;
        _maxFrameSize = maxFrameSize;
        _maxMessageSize = maxMessageSize;
    }

    /// <summary>Whether RSV1 (permessage-deflate, RFC 7692) may be set on the first frame of a message.</summary>
    public bool AllowCompression { get; set; }

    /// <summary>The opcode of the result: Text or Binary for a message; Close, Ping or Pong for a control frame.</summary>
    public WebSocketOpcode Opcode { get; private set; }

    /// <summary>Whether the message arrived compressed (RSV1); its payload is still compressed.</summary>
    public bool Compressed { get; private set; }

    /// <summary>The payload of the result, unmasked; valid until the next call to <see cref="Parse"/>.</summary>
    public ReadOnlySpan<byte> Payload => Opcode >= WebSocketOpcode.Close ? _control.AsSpan(0, _controlLength) : _message.AsSpan(0, _messageLength);

    /// <summary>Parses from <paramref name="input"/> until a message or control frame is complete or input runs out.</summary>
    /// <exception cref="WebSocketProtocolException">The peer broke the protocol or a limit.</exception>
    public WebSocketParseResult Parse(ReadOnlySpan<byte> input, out int consumed)
    {
        if (_returnedMessage)
        {
            _returnedMessage = false;
            _messageLength = 0;
            if (_message.Length > 64 * 1024)
            {
                ArrayPool<byte>.Shared.Return(_message);
                _message = [];
            }
        }

        var pos = 0;
        while (true)
        {
            if (!_inPayload)
            {
                if (!ReadHeader(input, ref pos))
                {
                    consumed = pos;
                    return WebSocketParseResult.NeedMoreData;
                }
            }

            if (_remaining > 0)
            {
                var n = (int)Math.Min(_remaining, input.Length - pos);
                if (n == 0)
                {
                    consumed = pos;
                    return WebSocketParseResult.NeedMoreData;
                }

                Span<byte> target;
                if (_frameOpcode >= WebSocketOpcode.Close)
                {
                    target = _control.AsSpan(_controlLength, n);
                    _controlLength += n;
                }
                else
                {
                    EnsureMessageCapacity(_messageLength + n);
                    target = _message.AsSpan(_messageLength, n);
                    _messageLength += n;
                }

                input.Slice(pos, n).CopyTo(target);
                pos += n;
                _remaining -= n;
                if (_masked)
                {
                    _maskOffset = WebSocketMask.Apply(target, _maskKey, _maskOffset);
                }

                if (_frameOpcode < WebSocketOpcode.Close && _messageOpcode == WebSocketOpcode.Text && !_messageCompressed && !_utf8.Feed(target))
                {
                    throw new WebSocketProtocolException(WebSocketCloseCode.InvalidPayload, "A text message is not valid UTF-8.");
                }

                if (_remaining > 0)
                {
                    consumed = pos;
                    return WebSocketParseResult.NeedMoreData;
                }
            }

            _inPayload = false;
            if (_frameOpcode >= WebSocketOpcode.Close)
            {
                if (_frameOpcode == WebSocketOpcode.Close)
                {
                    ValidateClose(_control.AsSpan(0, _controlLength));
                }

                Opcode = _frameOpcode;
                Compressed = false;
                consumed = pos;
                return WebSocketParseResult.Control;
            }

            if (_fin)
            {
                if (_messageOpcode == WebSocketOpcode.Text && !_messageCompressed && !_utf8.IsComplete)
                {
                    throw new WebSocketProtocolException(WebSocketCloseCode.InvalidPayload, "A text message ends inside a UTF-8 sequence.");
                }

                Opcode = _messageOpcode;
                Compressed = _messageCompressed;
                _inMessage = false;
                _returnedMessage = true;
                consumed = pos;
                return WebSocketParseResult.Message;
            }
        }
    }

    /// <summary>Returns the pooled message buffer.</summary>
    public void Dispose()
    {
        if (_message.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_message);
            _message = [];
        }
    }

    /// <summary>Checks a close frame payload: no 1-byte body, a code allowed on the wire, a UTF-8 reason.</summary>
    /// <exception cref="WebSocketProtocolException">The close payload is malformed.</exception>
    public static void ValidateClose(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            throw new WebSocketProtocolException("A close frame has a 1-byte payload.");
        }

        if (payload.Length >= 2)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!WebSocketCloseCode.IsValidOnWire(code))
            {
                throw new WebSocketProtocolException($"A close frame has the code {code}, which may not be sent.");
            }

            if (!System.Text.Unicode.Utf8.IsValid(payload[2..]))
            {
                throw new WebSocketProtocolException(WebSocketCloseCode.InvalidPayload, "A close reason is not valid UTF-8.");
            }
        }
    }

    private bool ReadHeader(ReadOnlySpan<byte> input, ref int pos)
    {
        var needed = 2;
        while (true)
        {
            if (_headerLength >= 2)
            {
                var len7 = _header[1] & 0x7F;
                needed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
                if (_headerLength >= needed)
                {
                    break;
                }
            }

            if (pos == input.Length)
            {
                return false;
            }

            var take = Math.Min(needed - _headerLength, input.Length - pos);
            input.Slice(pos, take).CopyTo(_header.AsSpan(_headerLength));
            _headerLength += take;
            pos += take;
        }

        _headerLength = 0;
        StartFrame();
        return true;
    }

    private void StartFrame()
    {
        var b0 = _header[0];
        var b1 = _header[1];
        _fin = (b0 & 0x80) != 0;
        var rsv1 = (b0 & 0x40) != 0;
        if ((b0 & 0x30) != 0)
        {
            throw new WebSocketProtocolException("A frame has RSV2 or RSV3 set, and no extension defines them.");
        }

        var op = b0 & 0x0F;
        if (op is (>= 3 and <= 7) or >= 0xB)
        {
            throw new WebSocketProtocolException($"A frame has the reserved opcode 0x{op:X}.");
        }

        _frameOpcode = (WebSocketOpcode)op;
        _masked = (b1 & 0x80) != 0;
        if (_masked != _expectMasked)
        {
            throw new WebSocketProtocolException(_expectMasked ? "A client frame is not masked." : "A server frame is masked.");
        }

        var len7 = b1 & 0x7F;
        long length = len7;
        var at = 2;
        if (len7 == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2));
            at = 4;
        }
        else if (len7 == 127)
        {
            var big = BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2));
            if (big > long.MaxValue)
            {
                throw new WebSocketProtocolException("A frame length has the most significant bit set.");
            }

            length = (long)big;
            at = 10;
        }

        _maskKey = _masked ? BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(at)) : 0;
        _maskOffset = 0;
        _remaining = length;
        _inPayload = true;

        if (_frameOpcode >= WebSocketOpcode.Close)
        {
            if (!_fin)
            {
                throw new WebSocketProtocolException($"A {_frameOpcode} control frame is fragmented.");
            }

            if (length > 125)
            {
                throw new WebSocketProtocolException($"A {_frameOpcode} control frame has a payload of {length} bytes (at most 125).");
            }

            if (rsv1)
            {
                throw new WebSocketProtocolException("A control frame has RSV1 set.");
            }

            _controlLength = 0;
            return;
        }

        if (_frameOpcode == WebSocketOpcode.Continuation)
        {
            if (!_inMessage)
            {
                throw new WebSocketProtocolException("A continuation frame arrived with no message to continue.");
            }

            if (rsv1)
            {
                throw new WebSocketProtocolException("A continuation frame has RSV1 set.");
            }
        }
        else
        {
            if (_inMessage)
            {
                throw new WebSocketProtocolException($"A {_frameOpcode} frame arrived while a fragmented message was unfinished.");
            }

            if (rsv1 && !AllowCompression)
            {
                throw new WebSocketProtocolException("A frame has RSV1 set, but permessage-deflate was not negotiated.");
            }

            _inMessage = true;
            _messageOpcode = _frameOpcode;
            _messageCompressed = rsv1;
            _messageLength = 0;
            _utf8.Reset();
        }

        if (length > _maxFrameSize)
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.MessageTooBig, $"A frame of {length} bytes is larger than the limit of {_maxFrameSize} bytes.");
        }

        if (_messageLength + length > _maxMessageSize)
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.MessageTooBig, $"A message of at least {_messageLength + length} bytes is larger than the limit of {_maxMessageSize} bytes.");
        }
    }

    private void EnsureMessageCapacity(int size)
    {
        if (size <= _message.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, Math.Min(Array.MaxLength, Math.Max(4096, _message.Length * 2))));
        _message.AsSpan(0, _messageLength).CopyTo(bigger);
        if (_message.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_message);
        }

        _message = bigger;
    }
}
