using System.Buffers;
using System.Text;

namespace Torsion.Web.Http;

/// <summary>
/// An incremental, allocation-free parser of HTTP/1.1 requests (RFC 9112 sections 2-7, RFC 9110 section 5):
/// request line, header fields, Content-Length and chunked bodies with trailers, keep-alive and
/// <c>Expect: 100-continue</c>. Pure: no IO. The caller passes the bytes it has; bytes not consumed must be
/// passed again, followed by new input (a head is parsed once it is whole, then copied into <see cref="Head"/>).
/// </summary>
/// <remarks>
/// Request smuggling defences: Content-Length together with Transfer-Encoding, differing or invalid
/// Content-Length values, a Transfer-Encoding whose final coding is not chunked, obs-fold, bare CR,
/// bare LF (unless <see cref="HttpParserLimits.AllowBareLineFeed"/>), whitespace before a colon, invalid
/// token characters and control characters in values are all answered with 400.
/// </remarks>
public sealed class HttpRequestParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    /// <summary>tchar of RFC 9110 section 5.6.2.</summary>
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);

    /// <summary>Bytes not allowed in a field value: controls other than HTAB, and DEL (obs-text 0x80-0xFF is allowed).</summary>
    private static readonly SearchValues<byte> InvalidValueBytes =
        SearchValues.Create([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private readonly HttpParserLimits _limits;
    private readonly HttpChunkedDecoder _chunked;
    private State _state;
    private int _searchFrom;
    private int _lineStart;
    private int _requestLineEnd = -1;
    private int _headerLines;
    private long _remaining;

    /// <summary>Makes a parser with <paramref name="limits"/> (or the defaults).</summary>
    public HttpRequestParser(HttpParserLimits? limits = null)
    {
        _limits = limits ?? HttpParserLimits.Default;
        _chunked = new HttpChunkedDecoder(_limits, "The chunked request body is larger than the limit.");
    }

    private enum State
    {
        Head,
        Body,
        Chunked,
        Complete,
        Failed,
    }

    /// <summary>The limits in force.</summary>
    public HttpParserLimits Limits => _limits;

    /// <summary>The last complete request head.</summary>
    public HttpRequestHead Head { get; } = new();

    /// <summary>After <see cref="HttpParseResult.Error"/>: the status to answer (400, 413, 414, 417, 431, 501, 505).</summary>
    public int ErrorStatus { get; private set; }

    /// <summary>After <see cref="HttpParseResult.Error"/>: what was wrong, for the error page and the log.</summary>
    public string? ErrorMessage { get; private set; }

    /// <summary>Whether the parser is inside a request (head partly read, or body not finished).</summary>
    public bool InMessage => _state != State.Head || _searchFrom > 0;

    /// <summary>Whether the parser is reading a request body.</summary>
    public bool InBody => _state is not (State.Head or State.Complete or State.Failed);

    /// <summary>Forgets any partial request: the next input starts a new one.</summary>
    public void Reset()
    {
        _state = State.Head;
        _searchFrom = 0;
        _lineStart = 0;
        _requestLineEnd = -1;
        _headerLines = 0;
        _remaining = 0;
        ErrorStatus = 0;
        ErrorMessage = null;
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

            case State.Complete:
                Reset();
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
            return Fail(_chunked.ErrorStatus, _chunked.ErrorMessage);
        }

        if (result == HttpParseResult.MessageComplete)
        {
            Reset();
        }

        return result;
    }

    private HttpParseResult Fail(int status, string message)
    {
        _state = State.Failed;
        ErrorStatus = status;
        ErrorMessage = message;
        return HttpParseResult.Error;
    }

    private HttpParseResult ParseHead(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        if (_searchFrom == 0)
        {
            // RFC 9112 section 2.2: ignore empty lines before the request line.
            var skip = 0;
            while (true)
            {
                if (skip + 1 < input.Length && input[skip] == CR && input[skip + 1] == LF)
                {
                    skip += 2;
                }
                else if (skip < input.Length && input[skip] == LF && _limits.AllowBareLineFeed)
                {
                    skip += 1;
                }
                else
                {
                    break;
                }
            }

            if (skip > 0)
            {
                var result = ParseHead(input[skip..], out consumed);
                consumed += skip;
                return result;
            }
        }

        while (true)
        {
            var lf = input[_searchFrom..].IndexOf(LF);
            if (lf < 0)
            {
                if (_requestLineEnd < 0)
                {
                    if (input.Length > _limits.MaxRequestLineSize + 1)
                    {
                        return Fail(414, "The request line is longer than the limit.");
                    }
                }
                else if (input.Length - _requestLineEnd > _limits.MaxHeaderSize)
                {
                    return Fail(431, "The request header fields are larger than the limit.");
                }

                _searchFrom = input.Length;
                return HttpParseResult.NeedMoreData;
            }

            var p = _searchFrom + lf;
            var crlf = p > _lineStart && input[p - 1] == CR;
            if (!crlf && !_limits.AllowBareLineFeed)
            {
                return Fail(400, "A line ends with a bare LF (CRLF required).");
            }

            var lineEnd = crlf ? p - 1 : p;
            var lineStart = _lineStart;
            _searchFrom = p + 1;
            _lineStart = p + 1;
            if (_requestLineEnd < 0)
            {
                if (lineEnd - lineStart > _limits.MaxRequestLineSize)
                {
                    return Fail(414, "The request line is longer than the limit.");
                }

                _requestLineEnd = p + 1;
                continue;
            }

            if (p + 1 - _requestLineEnd > _limits.MaxHeaderSize)
            {
                return Fail(431, "The request header fields are larger than the limit.");
            }

            if (lineEnd == lineStart)
            {
                consumed = p + 1;
                return ParseWholeHead(input[..consumed]);
            }

            if (++_headerLines > _limits.MaxHeaderCount)
            {
                return Fail(431, "The request has more header fields than the limit.");
            }
        }
    }

    private HttpParseResult ParseWholeHead(ReadOnlySpan<byte> source)
    {
        var head = Head;
        var buffer = head.Load(source);
        var requestLineEnd = _requestLineEnd;
        _searchFrom = 0;
        _lineStart = 0;
        _requestLineEnd = -1;
        _headerLines = 0;

        var line = TrimLineEnd(buffer[..requestLineEnd]);
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            return Fail(400, "The request line has no method.");
        }

        var method = line[..sp1];
        if (!IsToken(method))
        {
            return Fail(400, "The method has a character that is not allowed in a token.");
        }

        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return Fail(400, "The request line is not 'method target version'.");
        }

        var target = rest[..sp2];
        if (target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
        {
            return Fail(400, "The request target has a character that is not allowed.");
        }

        var versionText = rest[(sp2 + 1)..];
        if (versionText.Length != 8 || !versionText.StartsWith("HTTP/"u8) || versionText[6] != (byte)'.' || !char.IsAsciiDigit((char)versionText[5]) || !char.IsAsciiDigit((char)versionText[7]))
        {
            return Fail(400, "The request line has no valid HTTP version.");
        }

        if (versionText[5] != (byte)'1')
        {
            return Fail(505, "Only HTTP/1.x is supported.");
        }

        var version = versionText[7] == (byte)'0' ? HttpProtocolVersion.Http10 : HttpProtocolVersion.Http11;
        var known = IdentifyMethod(method);
        if (target[0] != (byte)'/' && !(target.Length == 1 && target[0] == (byte)'*' && known == KnownMethod.Options) && known != KnownMethod.Connect && target.IndexOf("://"u8) <= 0)
        {
            return Fail(400, "The request target is not in origin, absolute, authority or asterisk form.");
        }

        head.SetRequestLine(sp1, known, sp1 + 1, sp2, version);

        long contentLength = -1;
        var hosts = 0;
        var close = false;
        var keepAlive = false;
        var expectContinue = false;
        var transferEncoding = false;
        var chunkedLast = false;
        var chunkedCount = 0;
        var otherCodings = false;

        var pos = requestLineEnd;
        while (pos < buffer.Length)
        {
            var lf = buffer[pos..].IndexOf(LF);
            var raw = buffer.Slice(pos, lf + 1);
            var lineStart = pos;
            pos += lf + 1;
            line = TrimLineEnd(raw);
            if (line.Length == 0)
            {
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                return Fail(400, "obs-fold (a header line starting with whitespace) is not accepted.");
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return Fail(400, "A header line has no field name followed by a colon.");
            }

            var name = line[..colon];
            if (!IsToken(name))
            {
                return Fail(400, "A header field name has a character that is not allowed in a token (or whitespace before the colon).");
            }

            var valueStart = colon + 1;
            var valueEnd = line.Length;
            while (valueStart < valueEnd && line[valueStart] is (byte)' ' or (byte)'\t')
            {
                valueStart++;
            }

            while (valueEnd > valueStart && line[valueEnd - 1] is (byte)' ' or (byte)'\t')
            {
                valueEnd--;
            }

            var value = line[valueStart..valueEnd];
            var bad = value.IndexOfAny(InvalidValueBytes);
            if (bad >= 0)
            {
                var b = value[bad];
                return Fail(400, b == 0 ? "A header field value contains NUL." : b == CR ? "A header field value contains a bare CR." : "A header field value contains a control character.");
            }

            var kind = IdentifyHeader(name);
            head.AddField(lineStart, colon, lineStart + valueStart, valueEnd - valueStart, kind);
            switch (kind)
            {
                case KnownHeader.Host:
                    hosts++;
                    break;
                case KnownHeader.ContentLength:
                {
                    var parsed = ParseContentLength(value);
                    if (parsed < 0 || (contentLength >= 0 && parsed != contentLength))
                    {
                        return Fail(400, parsed < 0 ? "Content-Length is not a valid number." : "Content-Length is given twice with different values.");
                    }

                    contentLength = parsed;
                    break;
                }

                case KnownHeader.TransferEncoding:
                    transferEncoding = true;
                    ReadTransferCodings(value, ref chunkedCount, ref chunkedLast, ref otherCodings);

                    break;
                case KnownHeader.Connection:
                    ReadConnectionOptions(value, ref close, ref keepAlive);

                    break;
                case KnownHeader.Expect:
                    if (!Ascii.EqualsIgnoreCase(value, "100-continue"u8))
                    {
                        return Fail(417, "The only expectation supported is 100-continue.");
                    }

                    expectContinue = true;
                    break;
            }
        }

        if (hosts > 1)
        {
            return Fail(400, "The request has more than one Host header field.");
        }

        if (hosts == 0 && version == HttpProtocolVersion.Http11)
        {
            return Fail(400, "An HTTP/1.1 request must have a Host header field.");
        }

        var chunked = false;
        if (transferEncoding)
        {
            if (contentLength >= 0)
            {
                return Fail(400, "The request has both Content-Length and Transfer-Encoding.");
            }

            if (version == HttpProtocolVersion.Http10)
            {
                return Fail(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
            }

            if (!chunkedLast || chunkedCount != 1)
            {
                return Fail(400, "The final transfer coding is not chunked (or chunked is applied twice).");
            }

            if (otherCodings)
            {
                return Fail(501, "Transfer codings other than chunked are not implemented.");
            }

            chunked = true;
        }

        if (contentLength > _limits.MaxBodySize)
        {
            return Fail(413, "The request body is larger than the limit.");
        }

        var persistent = version == HttpProtocolVersion.Http11 ? !close : keepAlive && !close;
        head.SetFraming(contentLength, chunked, persistent, expectContinue && version == HttpProtocolVersion.Http11);
        if (chunked)
        {
            _state = State.Chunked;
            _chunked.Start();
        }
        else if (contentLength > 0)
        {
            _state = State.Body;
            _remaining = contentLength;
        }
        else
        {
            _state = State.Complete;
        }

        return HttpParseResult.HeadComplete;
    }

    internal static int HexValue(byte b) => b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == LF)
        {
            line = line[..^1];
        }

        if (line.Length > 0 && line[^1] == CR)
        {
            line = line[..^1];
        }

        return line;
    }

    /// <summary>
    /// Reads one Transfer-Encoding field value (a list; empty members skipped), adding to what earlier lines said:
    /// how many codings are "chunked", whether the last one is, whether any other coding appears.
    /// </summary>
    internal static void ReadTransferCodings(ReadOnlySpan<byte> value, ref int chunkedCount, ref bool chunkedLast, ref bool otherCodings)
    {
        foreach (var range in value.Split((byte)','))
        {
            var coding = value[range].Trim(" \t"u8);
            if (coding.Length == 0)
            {
                continue;
            }

            chunkedLast = Ascii.EqualsIgnoreCase(coding, "chunked"u8);
            if (chunkedLast)
            {
                chunkedCount++;
            }
            else
            {
                otherCodings = true;
            }
        }
    }

    /// <summary>Reads one Connection field value (a list) for the "close" and "keep-alive" options.</summary>
    internal static void ReadConnectionOptions(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive)
    {
        foreach (var range in value.Split((byte)','))
        {
            var option = value[range].Trim(" \t"u8);
            close |= Ascii.EqualsIgnoreCase(option, "close"u8);
            keepAlive |= Ascii.EqualsIgnoreCase(option, "keep-alive"u8);
        }
    }

    /// <summary>A Content-Length value (a list of identical values accepted, RFC 9110 section 8.6), or -1 when invalid.</summary>
    internal static long ParseContentLength(ReadOnlySpan<byte> value)
    {
        // RFC 9110 section 8.6: a list of identical values may be accepted.
        long result = -1;
        foreach (var range in value.Split((byte)','))
        {
            var part = value[range].Trim(" \t"u8);
            if (part.Length == 0 || part.Length > 18)
            {
                return -1;
            }

            long n = 0;
            foreach (var b in part)
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return -1;
                }

                n = (n * 10) + (b - '0');
            }

            if (result >= 0 && n != result)
            {
                return -1;
            }

            result = n;
        }

        return result;
    }

    internal static bool IsTokenChar(byte b) =>
        b switch
        {
            >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' => true,
            (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~' => true,
            _ => false,
        };

    internal static bool IsToken(ReadOnlySpan<byte> text) => !text.IsEmpty && text.IndexOfAnyExcept(TokenChars) < 0;

    internal static KnownMethod IdentifyMethod(ReadOnlySpan<byte> method) =>
        method.Length switch
        {
            3 when method.SequenceEqual("GET"u8) => KnownMethod.Get,
            3 when method.SequenceEqual("PUT"u8) => KnownMethod.Put,
            4 when method.SequenceEqual("HEAD"u8) => KnownMethod.Head,
            4 when method.SequenceEqual("POST"u8) => KnownMethod.Post,
            5 when method.SequenceEqual("TRACE"u8) => KnownMethod.Trace,
            5 when method.SequenceEqual("PATCH"u8) => KnownMethod.Patch,
            6 when method.SequenceEqual("DELETE"u8) => KnownMethod.Delete,
            7 when method.SequenceEqual("OPTIONS"u8) => KnownMethod.Options,
            7 when method.SequenceEqual("CONNECT"u8) => KnownMethod.Connect,
            _ => KnownMethod.Other,
        };

    internal static KnownHeader IdentifyHeader(ReadOnlySpan<byte> name) =>
        name.Length switch
        {
            4 when Ascii.EqualsIgnoreCase(name, "Host"u8) => KnownHeader.Host,
            5 when Ascii.EqualsIgnoreCase(name, "Range"u8) => KnownHeader.Range,
            6 when Ascii.EqualsIgnoreCase(name, "Cookie"u8) => KnownHeader.Cookie,
            6 when Ascii.EqualsIgnoreCase(name, "Accept"u8) => KnownHeader.Accept,
            6 when Ascii.EqualsIgnoreCase(name, "Expect"u8) => KnownHeader.Expect,
            7 when Ascii.EqualsIgnoreCase(name, "Referer"u8) => KnownHeader.Referer,
            7 when Ascii.EqualsIgnoreCase(name, "Upgrade"u8) => KnownHeader.Upgrade,
            8 when Ascii.EqualsIgnoreCase(name, "If-Range"u8) => KnownHeader.IfRange,
            10 when Ascii.EqualsIgnoreCase(name, "Connection"u8) => KnownHeader.Connection,
            10 when Ascii.EqualsIgnoreCase(name, "User-Agent"u8) => KnownHeader.UserAgent,
            12 when Ascii.EqualsIgnoreCase(name, "Content-Type"u8) => KnownHeader.ContentType,
            13 when Ascii.EqualsIgnoreCase(name, "If-None-Match"u8) => KnownHeader.IfNoneMatch,
            13 when Ascii.EqualsIgnoreCase(name, "Authorization"u8) => KnownHeader.Authorization,
            14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => KnownHeader.ContentLength,
            15 when Ascii.EqualsIgnoreCase(name, "Accept-Encoding"u8) => KnownHeader.AcceptEncoding,
            17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) => KnownHeader.TransferEncoding,
            17 when Ascii.EqualsIgnoreCase(name, "If-Modified-Since"u8) => KnownHeader.IfModifiedSince,
            _ => KnownHeader.Other,
        };
}
