using System.Text;

namespace Torsion.Web.Http;

/// <summary>
/// An incremental parser of HTTP/1.1 responses (RFC 9112 sections 4-7): status line, header fields, and bodies
/// framed by Content-Length, chunked coding (trailers skipped) or the close of the connection; interim 1xx
/// responses; no body after HEAD or for 1xx, 204 and 304. Pure: no IO. Bytes not consumed must be passed again,
/// followed by new input.
/// </summary>
/// <remarks>
/// Rejected as smuggling or garbage: Content-Length together with Transfer-Encoding, differing or invalid
/// Content-Length values, obs-fold, bare CR, bare LF (unless allowed), invalid token characters, control
/// characters in values, malformed chunk sizes. Each error leaves the parser failed with <see cref="ErrorMessage"/>.
/// </remarks>
public sealed class HttpResponseParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    /// <summary>Limits suited to a client: as <see cref="HttpParserLimits.Default"/> but with no body size limit.</summary>
    public static readonly HttpParserLimits ClientLimits = new() { MaxBodySize = null };

    private readonly HttpParserLimits _limits;
    private readonly HttpChunkedDecoder _chunked;
    private State _state;
    private int _searchFrom;
    private int _lineStart;
    private int _statusLineEnd = -1;
    private int _headerLines;
    private long _remaining;
    private long _bodyTotal;
    private bool _headRequest;

    /// <summary>Makes a parser with <paramref name="limits"/> (default <see cref="ClientLimits"/>; the request line limit bounds the status line).</summary>
    public HttpResponseParser(HttpParserLimits? limits = null)
    {
        _limits = limits ?? ClientLimits;
        _chunked = new HttpChunkedDecoder(_limits, "The chunked response body is larger than the limit.");
    }

    private enum State
    {
        Head,
        Body,
        CloseDelimited,
        Chunked,
        Complete,
        Failed,
    }

    /// <summary>The last response head (interim or final).</summary>
    public HttpResponseHead Head { get; } = new();

    /// <summary>After <see cref="HttpParseResult.Error"/>: what was wrong.</summary>
    public string? ErrorMessage { get; private set; }

    // The strings of the previous response's head, by position: a connection's responses mostly repeat their field
    // names and many values (Server, Content-Type, Date within a second), so equal bytes reuse the string.
    private string? _reason;
    private string?[] _names = [];
    private string?[] _values = [];

    private static string Reuse(ref string? cached, ReadOnlySpan<byte> bytes)
    {
        if (cached is { } s && s.Length == bytes.Length && Ascii.Equals(bytes, s))
        {
            return s;
        }

        return cached = Encoding.Latin1.GetString(bytes);
    }

    private static string Reuse(ref string?[] cache, int index, ReadOnlySpan<byte> bytes)
    {
        if (index >= cache.Length)
        {
            if (index >= 64)
            {
                return Encoding.Latin1.GetString(bytes);
            }

            Array.Resize(ref cache, Math.Max(8, cache.Length * 2));
        }

        return Reuse(ref cache[index], bytes);
    }

    /// <summary>Whether any byte of the current response was seen.</summary>
    public bool InMessage => _state != State.Head || _searchFrom > 0;

    /// <summary>Prepares for the response to a request with <paramref name="method"/> (HEAD responses have no body).</summary>
    public void ExpectResponseTo(ReadOnlySpan<char> method)
    {
        Reset();
        _headRequest = method.SequenceEqual("HEAD");
    }

    /// <summary>Forgets any partial response.</summary>
    public void Reset()
    {
        _state = State.Head;
        _searchFrom = 0;
        _lineStart = 0;
        _statusLineEnd = -1;
        _headerLines = 0;
        _remaining = 0;
        _bodyTotal = 0;
        ErrorMessage = null;
    }

    /// <summary>
    /// The connection closed: <see cref="HttpParseResult.MessageComplete"/> if that ends a close-delimited body
    /// (or a complete message), otherwise <see cref="HttpParseResult.Error"/> (the response is truncated).
    /// </summary>
    public HttpParseResult ConnectionClosed()
    {
        switch (_state)
        {
            case State.CloseDelimited:
            case State.Complete:
                _state = State.Complete;
                return HttpParseResult.MessageComplete;
            case State.Failed:
                return HttpParseResult.Error;
            case State.Head when !InMessage:
                return Fail("The connection closed before a response.");
            case State.Head:
                return Fail("The connection closed in the middle of the response head.");
            default:
                return Fail("The connection closed before the end of the response body.");
        }
    }

    /// <summary>Parses as much of <paramref name="input"/> as makes one step.</summary>
    /// <param name="input">Bytes not consumed by the previous call, followed by new ones.</param>
    /// <param name="consumed">How many bytes of <paramref name="input"/> this step used.</param>
    /// <param name="body">With <see cref="HttpParseResult.BodyData"/>: body bytes, a slice of <paramref name="input"/>.</param>
    public HttpParseResult Parse(ReadOnlySpan<byte> input, out int consumed, out ReadOnlySpan<byte> body)
    {
        body = default;
        consumed = 0;
        switch (_state)
        {
            case State.Head:
                return ParseHead(input, out consumed);
            case State.Body:
            {
                var take = (int)Math.Min(_remaining, input.Length);
                if (take == 0)
                {
                    return HttpParseResult.NeedMoreData;
                }

                _remaining -= take;
                if (_remaining == 0)
                {
                    _state = State.Complete;
                }

                body = input[..take];
                consumed = take;
                return HttpParseResult.BodyData;
            }

            case State.CloseDelimited:
                if (input.IsEmpty)
                {
                    return HttpParseResult.NeedMoreData;
                }

                _bodyTotal += input.Length;
                if (_bodyTotal > _limits.MaxBodySize)
                {
                    return Fail("The response body is larger than the limit.");
                }

                body = input;
                consumed = input.Length;
                return HttpParseResult.BodyData;
            case State.Complete:
                _state = State.Head;
                _searchFrom = 0;
                return HttpParseResult.MessageComplete;
            case State.Failed:
                return HttpParseResult.Error;
            default:
                return DecodeChunked(input, out consumed, out body);
        }
    }

    private HttpParseResult DecodeChunked(ReadOnlySpan<byte> input, out int consumed, out ReadOnlySpan<byte> body)
    {
        var result = _chunked.Decode(input, out consumed, out body);
        if (result == HttpParseResult.Error)
        {
            return Fail(_chunked.ErrorMessage);
        }

        if (result == HttpParseResult.MessageComplete)
        {
            _state = State.Head;
            _searchFrom = 0;
        }

        return result;
    }

    private HttpParseResult Fail(string message)
    {
        _state = State.Failed;
        ErrorMessage = message;
        return HttpParseResult.Error;
    }

    private HttpParseResult ParseHead(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var lf = input[_searchFrom..].IndexOf(LF);
            if (lf < 0)
            {
                if (_statusLineEnd < 0)
                {
                    if (input.Length > _limits.MaxRequestLineSize + 1)
                    {
                        return Fail("The status line is longer than the limit.");
                    }
                }
                else if (input.Length - _statusLineEnd > _limits.MaxHeaderSize)
                {
                    return Fail("The response header fields are larger than the limit.");
                }

                _searchFrom = input.Length;
                return HttpParseResult.NeedMoreData;
            }

            var p = _searchFrom + lf;
            var crlf = p > _lineStart && input[p - 1] == CR;
            if (!crlf && !_limits.AllowBareLineFeed)
            {
                return Fail("A line of the response head ends with a bare LF (CRLF required).");
            }

            var lineEnd = crlf ? p - 1 : p;
            var lineStart = _lineStart;
            _searchFrom = p + 1;
            _lineStart = p + 1;
            if (_statusLineEnd < 0)
            {
                if (lineEnd - lineStart > _limits.MaxRequestLineSize)
                {
                    return Fail("The status line is longer than the limit.");
                }

                _statusLineEnd = p + 1;
                continue;
            }

            if (p + 1 - _statusLineEnd > _limits.MaxHeaderSize)
            {
                return Fail("The response header fields are larger than the limit.");
            }

            if (lineEnd == lineStart)
            {
                consumed = p + 1;
                return ParseWholeHead(input[..consumed]);
            }

            if (++_headerLines > _limits.MaxHeaderCount)
            {
                return Fail("The response has more header fields than the limit.");
            }
        }
    }

    private static ReadOnlySpan<byte> NextLine(ReadOnlySpan<byte> buffer, ref int pos)
    {
        var lf = buffer[pos..].IndexOf(LF);
        var line = buffer.Slice(pos, lf);
        pos += lf + 1;
        return line.Length > 0 && line[^1] == CR ? line[..^1] : line;
    }

    private HttpParseResult ParseWholeHead(ReadOnlySpan<byte> buffer)
    {
        var head = Head;
        head.Clear();
        _searchFrom = 0;
        _lineStart = 0;
        _statusLineEnd = -1;
        _headerLines = 0;

        var pos = 0;
        var line = NextLine(buffer, ref pos);
        if (line.IndexOf(CR) >= 0)
        {
            return Fail("The status line contains a bare CR.");
        }

        if (line.Length < 12 || !line.StartsWith("HTTP/"u8) || line[6] != (byte)'.' || !char.IsAsciiDigit((char)line[5]) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' ')
        {
            return Fail($"The status line '{Printable(line)}' is not 'HTTP/1.x code reason'.");
        }

        if (line[5] != (byte)'1')
        {
            return Fail($"The response version '{Printable(line[..8])}' is not HTTP/1.x.");
        }

        var version = line[7] == (byte)'0' ? HttpProtocolVersion.Http10 : HttpProtocolVersion.Http11;
        var code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]) || code[0] == (byte)'0')
        {
            return Fail($"The status code '{Printable(code)}' is not three digits from 100 to 999.");
        }

        if (line.Length > 12 && line[12] != (byte)' ')
        {
            return Fail($"The status code in '{Printable(line)}' is not followed by a space.");
        }

        var reason = line.Length > 13 ? line[13..] : default;
        if (reason.IndexOfAnyInRange((byte)0, (byte)8) >= 0 || reason.IndexOfAnyInRange((byte)10, (byte)31) >= 0 || reason.IndexOf((byte)127) >= 0)
        {
            return Fail("The reason phrase contains a control character.");
        }

        head.Version = version;
        head.StatusCode = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        head.ReasonPhrase = Reuse(ref _reason, reason);

        long contentLength = -1;
        var transferEncoding = false;
        var chunkedLast = false;
        var chunkedCodings = 0; // counted by the shared reader; a response only cares whether chunked is last
        var otherCodings = false;
        var close = false;
        var keepAlive = false;
        while (pos < buffer.Length)
        {
            line = NextLine(buffer, ref pos);
            if (line.Length == 0)
            {
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                return Fail("obs-fold (a header line starting with whitespace) is not accepted.");
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return Fail($"The header line '{Printable(line)}' has no field name followed by a colon.");
            }

            var name = line[..colon];
            if (!HttpRequestParser.IsToken(name))
            {
                return Fail($"The header field name '{Printable(name)}' has a character that is not allowed in a token (or whitespace before the colon).");
            }

            var value = line[(colon + 1)..].Trim(" \t"u8);
            foreach (var b in value)
            {
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
                {
                    return Fail(b == CR ? $"The value of '{Printable(name)}' contains a bare CR." : $"The value of '{Printable(name)}' contains a control character.");
                }
            }

            switch (HttpRequestParser.IdentifyHeader(name))
            {
                case KnownHeader.ContentLength:
                {
                    var parsed = HttpRequestParser.ParseContentLength(value);
                    if (parsed < 0 || (contentLength >= 0 && parsed != contentLength))
                    {
                        return Fail(parsed < 0 ? $"Content-Length '{Printable(value)}' is not a valid number." : "Content-Length is given twice with different values.");
                    }

                    contentLength = parsed;
                    break;
                }

                case KnownHeader.TransferEncoding:
                    transferEncoding = true;
                    HttpRequestParser.ReadTransferCodings(value, ref chunkedCodings, ref chunkedLast, ref otherCodings);

                    break;
                case KnownHeader.Connection:
                    HttpRequestParser.ReadConnectionOptions(value, ref close, ref keepAlive);

                    break;
            }

            head.Add(Reuse(ref _names, head.Fields.Count, name), Reuse(ref _values, head.Fields.Count, value));
        }

        var status = head.StatusCode;
        var persistent = version == HttpProtocolVersion.Http11 ? !close : keepAlive && !close;
        if (status is >= 100 and < 200)
        {
            // RFC 9110 section 15.2: interim responses have no body; the final response follows (101 switches protocols).
            head.NoBody = true;
            head.KeepAlive = status != 101 && persistent;
            _state = status == 101 ? State.Complete : State.Head;
            return HttpParseResult.HeadComplete;
        }

        if (transferEncoding && contentLength >= 0)
        {
            return Fail("The response has both Content-Length and Transfer-Encoding (a sign of response smuggling).");
        }

        if (_headRequest || status is 204 or 304)
        {
            // RFC 9112 section 6.3 rules 1 and 2: any framing headers describe the body that was not sent.
            head.NoBody = true;
            head.KeepAlive = persistent;
            _state = State.Complete;
            return HttpParseResult.HeadComplete;
        }

        if (transferEncoding)
        {
            if (chunkedLast)
            {
                head.Chunked = true;
                head.KeepAlive = persistent;
                _state = State.Chunked;
                _chunked.Start();
            }
            else
            {
                // RFC 9112 section 6.3 rule 4: a final coding other than chunked is read until the close.
                head.CloseDelimited = true;
                _state = State.CloseDelimited;
                _bodyTotal = 0;
            }

            return HttpParseResult.HeadComplete;
        }

        if (contentLength >= 0)
        {
            if (contentLength > _limits.MaxBodySize)
            {
                return Fail($"The declared response body of {contentLength} bytes is larger than the limit.");
            }

            head.ContentLength = contentLength;
            head.KeepAlive = persistent;
            _remaining = contentLength;
            _state = contentLength == 0 ? State.Complete : State.Body;
            return HttpParseResult.HeadComplete;
        }

        head.CloseDelimited = true;
        _state = State.CloseDelimited;
        _bodyTotal = 0;
        return HttpParseResult.HeadComplete;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.Latin1.GetString(bytes.Length > 80 ? bytes[..80] : bytes);
        return string.Create(text.Length, text, (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = s[i] < ' ' || s[i] == '\x7f' ? '?' : s[i];
            }
        });
    }
}
