namespace Torsion.Web.Http;

/// <summary>
/// Decodes a chunked message body (RFC 9112 section 7.1): chunk-size lines with extensions, chunk data and its CRLF,
/// then the trailer section. Shared by <see cref="HttpRequestParser"/> and <see cref="HttpResponseParser"/>; pure, no IO.
/// Trailer lines are checked as fields (RFC 9112 section 7.1.2: "field-line", parsed as header fields) in requests and
/// responses alike: a token name, a colon, no obs-fold, no control character. Their content is then dropped.
/// </summary>
internal sealed class HttpChunkedDecoder(HttpParserLimits limits, string bodyTooLargeMessage)
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    private Step _step;
    private long _remaining;
    private long _total;
    private int _lineLength;
    private bool _sawDigit;
    private bool _trailerColon;

    private enum Step
    {
        Size,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        Trailer,
        TrailerLf,
    }

    /// <summary>After <see cref="HttpParseResult.Error"/>: the status to answer (400, 413, 431).</summary>
    public int ErrorStatus { get; private set; }

    /// <summary>After <see cref="HttpParseResult.Error"/>: what was wrong.</summary>
    public string ErrorMessage { get; private set; } = "";

    /// <summary>Prepares for a new chunked body.</summary>
    public void Start()
    {
        StartChunkSize();
        _total = 0;
    }

    /// <summary>
    /// Decodes one step: <see cref="HttpParseResult.BodyData"/> (with <paramref name="body"/> a slice of
    /// <paramref name="input"/>), <see cref="HttpParseResult.NeedMoreData"/>, <see cref="HttpParseResult.MessageComplete"/>
    /// after the trailer section, or <see cref="HttpParseResult.Error"/> (<paramref name="consumed"/> is then 0).
    /// </summary>
    public HttpParseResult Decode(ReadOnlySpan<byte> input, out int consumed, out ReadOnlySpan<byte> body)
    {
        body = default;
        consumed = 0;
        var i = 0;
        while (i < input.Length)
        {
            var b = input[i];
            switch (_step)
            {
                case Step.Size:
                    if (++_lineLength > limits.MaxChunkLineSize)
                    {
                        return Fail(400, "A chunk-size line is longer than the limit.");
                    }

                    if (char.IsAsciiHexDigit((char)b))
                    {
                        if (_remaining > (long.MaxValue >> 4))
                        {
                            return Fail(400, "A chunk size is too large.");
                        }

                        _remaining = (_remaining << 4) | (long)HttpRequestParser.HexValue(b);
                        _sawDigit = true;
                    }
                    else if (!_sawDigit)
                    {
                        return Fail(400, "A chunk-size line does not start with a hexadecimal size.");
                    }
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _step = Step.Extension;
                    }
                    else if (b == CR)
                    {
                        _step = Step.SizeLf;
                    }
                    else if (b == LF && limits.AllowBareLineFeed)
                    {
                        if (!EndChunkSize())
                        {
                            return HttpParseResult.Error;
                        }
                    }
                    else
                    {
                        return Fail(400, b == LF ? "A chunk-size line ends with a bare LF." : "A chunk size has a character that is not hexadecimal.");
                    }

                    i++;
                    break;
                case Step.Extension:
                    if (++_lineLength > limits.MaxChunkLineSize)
                    {
                        return Fail(400, "A chunk-size line is longer than the limit.");
                    }

                    if (b == CR)
                    {
                        _step = Step.SizeLf;
                    }
                    else if (b == LF && limits.AllowBareLineFeed)
                    {
                        if (!EndChunkSize())
                        {
                            return HttpParseResult.Error;
                        }
                    }
                    else if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
                    {
                        return Fail(400, "A chunk extension contains a control character.");
                    }

                    i++;
                    break;
                case Step.SizeLf:
                    if (b != LF)
                    {
                        return Fail(400, "A chunk-size line has a bare CR.");
                    }

                    i++;
                    if (!EndChunkSize())
                    {
                        return HttpParseResult.Error;
                    }

                    break;
                case Step.Data:
                {
                    var take = (int)Math.Min(_remaining, input.Length - i);
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _step = Step.DataCr;
                    }

                    body = input.Slice(i, take);
                    consumed = i + take;
                    return HttpParseResult.BodyData;
                }

                case Step.DataCr:
                    if (b == CR)
                    {
                        _step = Step.DataLf;
                    }
                    else if (b == LF && limits.AllowBareLineFeed)
                    {
                        StartChunkSize();
                    }
                    else
                    {
                        return Fail(400, "Chunk data is not followed by CRLF.");
                    }

                    i++;
                    break;
                case Step.DataLf:
                    if (b != LF)
                    {
                        return Fail(400, "Chunk data is followed by a bare CR.");
                    }

                    StartChunkSize();
                    i++;
                    break;
                case Step.Trailer:
                    if (++_total > limits.MaxHeaderSize)
                    {
                        return Fail(431, "The trailer fields are larger than the limit.");
                    }

                    if (b == CR)
                    {
                        _step = Step.TrailerLf;
                    }
                    else if (b == LF && limits.AllowBareLineFeed)
                    {
                        i++;
                        if (EndTrailerLine() is { } done)
                        {
                            consumed = done == HttpParseResult.Error ? 0 : i;
                            return done;
                        }

                        continue;
                    }
                    else if (b == LF)
                    {
                        return Fail(400, "A trailer line ends with a bare LF.");
                    }
                    else if (_lineLength == 0 && b is (byte)' ' or (byte)'\t')
                    {
                        return Fail(400, "obs-fold in the trailer fields is not accepted.");
                    }
                    else if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
                    {
                        return Fail(400, "A trailer field contains a control character.");
                    }
                    else
                    {
                        if (b == (byte)':' && !_trailerColon)
                        {
                            if (_lineLength == 0)
                            {
                                return Fail(400, "A trailer line has no field name.");
                            }

                            _trailerColon = true;
                        }
                        else if (!_trailerColon && !HttpRequestParser.IsTokenChar(b))
                        {
                            return Fail(400, "A trailer field name has a character that is not allowed in a token.");
                        }

                        _lineLength++;
                    }

                    i++;
                    break;
                case Step.TrailerLf:
                    if (b != LF)
                    {
                        return Fail(400, "A trailer line has a bare CR.");
                    }

                    i++;
                    _step = Step.Trailer;
                    if (EndTrailerLine() is { } end)
                    {
                        consumed = end == HttpParseResult.Error ? 0 : i;
                        return end;
                    }

                    break;
            }
        }

        consumed = i;
        return HttpParseResult.NeedMoreData;
    }

    private void StartChunkSize()
    {
        _step = Step.Size;
        _remaining = 0;
        _sawDigit = false;
        _lineLength = 0;
    }

    /// <summary>False (with the error recorded) when the body grew past the limit.</summary>
    private bool EndChunkSize()
    {
        if (_remaining == 0)
        {
            _step = Step.Trailer;
            _lineLength = 0;
            _trailerColon = false;
            _total = 0;
            return true;
        }

        _total += _remaining;
        if (_total > limits.MaxBodySize)
        {
            Fail(413, bodyTooLargeMessage);
            return false;
        }

        _step = Step.Data;
        return true;
    }

    private HttpParseResult? EndTrailerLine()
    {
        if (_lineLength == 0)
        {
            return HttpParseResult.MessageComplete;
        }

        if (!_trailerColon)
        {
            return Fail(400, "A trailer line has no colon.");
        }

        _lineLength = 0;
        _trailerColon = false;
        return null;
    }

    private HttpParseResult Fail(int status, string message)
    {
        ErrorStatus = status;
        ErrorMessage = message;
        return HttpParseResult.Error;
    }
}
