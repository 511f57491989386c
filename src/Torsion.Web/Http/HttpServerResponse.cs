using System.Buffers;
using System.Text;
using Torsion.Transports;

namespace Torsion.Web.Http;

/// <summary>
/// Writes one response (RFC 9112 sections 4-7): status, header fields, then the body. A response finished while its body
/// fits in <see cref="HttpServerOptions.ResponseBufferSize"/> gets a Content-Length; a longer one without a declared
/// length is sent chunked (HTTP/1.1) or close-delimited (HTTP/1.0). Date and Server are added. HEAD gets no body.
/// A consumer: a producer registered here (e.g. a FileSender) is flow-controlled by the connection.
/// </summary>
public sealed partial class HttpServerResponse : IConsumer
{
    private readonly IHttpExchange _protocol;
    private readonly Http2.Http2Stream? _stream;
    private readonly HttpServerOptions _options;
    private readonly byte[] _serverHeader;
    private byte[] _headers = new byte[256];
    private int _headersLength;
    private byte[] _body = new byte[256];
    private int _bodyLength;
    private byte[] _out = new byte[512];
    private bool _isHead;
    private bool _http10;
    private bool _chunked;
    private bool _close;
    private bool _hasServer;
    private bool _hasDate;
    private bool _abandoned;
    private long _headBodyCount;

    internal HttpServerResponse(Http2.Http2Stream stream, HttpServerOptions options)
        : this((IHttpExchange)stream, options)
    {
        _stream = stream;
    }

    internal HttpServerResponse(IHttpExchange protocol, HttpServerOptions options)
    {
        _protocol = protocol;
        _options = options;
        _serverHeader = string.IsNullOrEmpty(options.ServerName) ? [] : Encoding.ASCII.GetBytes($"Server: {options.ServerName}\r\n");
    }

    /// <summary>Called when the connection is lost before the response is finished.</summary>
    public event Action<Exception>? Aborted;

    /// <summary>The status code; 200 unless set. Set it before the first body byte is sent.</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>The reason phrase; null: the standard one.</summary>
    public string? ReasonPhrase { get; set; }

    /// <summary>The declared body length, or -1 (then computed at <see cref="Finish"/> or sent chunked).</summary>
    public long ContentLength { get; set; } = -1;

    /// <summary>Whether the status line and header fields have been sent.</summary>
    public bool HeadersSent { get; private set; }

    /// <summary>Whether <see cref="Finish"/> was called.</summary>
    public bool Finished { get; private set; }

    /// <summary>Body bytes sent so far (for the access log).</summary>
    public long BodyBytesSent { get; private set; }

    /// <summary>Whether the connection stays open after this response (known once the head is sent).</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Adds a header field. Content-Length sets <see cref="ContentLength"/>; <c>Connection: close</c> closes after the response.</summary>
    /// <exception cref="ArgumentException">The name is not a token, the value has CR, LF or NUL, or the field is Transfer-Encoding (the server chooses it).</exception>
    /// <exception cref="InvalidOperationException">The head was already sent.</exception>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (HeadersSent)
        {
            throw new InvalidOperationException($"The response head was already sent; the header field '{Encoding.ASCII.GetString(name)}' comes too late.");
        }

        if (!HttpRequestParser.IsToken(name))
        {
            throw new ArgumentException($"'{Encoding.Latin1.GetString(name)}' is not a valid header field name.", nameof(name));
        }

        foreach (var b in value)
        {
            if (b is (byte)'\r' or (byte)'\n' or 0)
            {
                throw new ArgumentException($"The value of header field '{Encoding.ASCII.GetString(name)}' contains CR, LF or NUL.", nameof(value));
            }
        }

        switch (HttpRequestParser.IdentifyHeader(name))
        {
            case KnownHeader.ContentLength:
                if (!long.TryParse(value, out var length) || length < 0)
                {
                    throw new ArgumentException($"Content-Length '{Encoding.ASCII.GetString(value)}' is not a number.", nameof(value));
                }

                ContentLength = length;
                return;
            case KnownHeader.TransferEncoding:
                throw new ArgumentException("Transfer-Encoding is chosen by the server; leave it out (set ContentLength when the length is known).", nameof(name));
            case KnownHeader.Connection:
                foreach (var range in value.Split((byte)','))
                {
                    if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), "close"u8))
                    {
                        _close = true;
                    }
                }

                return;
        }

        if (Ascii.EqualsIgnoreCase(name, "Server"u8))
        {
            _hasServer = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Date"u8))
        {
            _hasDate = true;
        }

        var needed = _headersLength + name.Length + value.Length + 4;
        if (needed > _headers.Length)
        {
            Array.Resize(ref _headers, Math.Max(needed, _headers.Length * 2));
        }

        var span = _headers.AsSpan(_headersLength);
        name.CopyTo(span);
        span[name.Length] = (byte)':';
        span[name.Length + 1] = (byte)' ';
        value.CopyTo(span[(name.Length + 2)..]);
        span[name.Length + 2 + value.Length] = (byte)'\r';
        span[name.Length + 3 + value.Length] = (byte)'\n';
        _headersLength = needed;
    }

    /// <summary>Adds a header field given as strings (Latin-1).</summary>
    public void AddHeader(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var n = name.Length <= 256 ? stackalloc byte[name.Length] : new byte[name.Length];
        var v = value.Length <= 1024 ? stackalloc byte[value.Length] : new byte[value.Length];
        Latin1(name, n);
        Latin1(value, v);
        AddHeader(n, v);
    }

    /// <summary>Writes body bytes (kept until the buffer is full, so that short responses get a Content-Length).</summary>
    /// <exception cref="InvalidOperationException">The response is finished.</exception>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (Finished)
        {
            throw new InvalidOperationException("The response is finished; nothing more can be written.");
        }

        if (_abandoned || data.IsEmpty)
        {
            return;
        }

        if (_isHead || !StatusAllowsBody(StatusCode))
        {
            _headBodyCount += data.Length;
            if (!HeadersSent && _headBodyCount > _options.ResponseBufferSize && ContentLength < 0)
            {
                WriteHead(finishing: false);
            }

            return;
        }

        if (!HeadersSent)
        {
            if (_bodyLength + data.Length <= _options.ResponseBufferSize)
            {
                AppendBody(data);
                return;
            }

            WriteHead(finishing: false);
            if (_bodyLength > 0)
            {
                WriteBody(_body.AsSpan(0, _bodyLength));
                _bodyLength = 0;
            }
        }

        WriteBody(data);
    }

    /// <summary>Writes text as UTF-8 body bytes.</summary>
    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            Write(bytes.AsSpan(0, Encoding.UTF8.GetBytes(text, bytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Sends the head and what is buffered now (chunked when no length is declared).</summary>
    public void Flush()
    {
        if (HeadersSent || Finished || _abandoned)
        {
            return;
        }

        WriteHead(finishing: false);
        if (_bodyLength > 0)
        {
            WriteBody(_body.AsSpan(0, _bodyLength));
            _bodyLength = 0;
        }
    }

    /// <summary>Ends the response; the connection goes on with the next request or closes.</summary>
    /// <exception cref="InvalidOperationException">The response was already finished.</exception>
    public void Finish()
    {
        if (Finished)
        {
            throw new InvalidOperationException("The response was already finished.");
        }

        if (!_abandoned)
        {
            if (!HeadersSent)
            {
                WriteHead(finishing: true);
                BodyBytesSent = _bodyLength;
            }
            else if (_stream is not null)
            {
                _stream.SendData(default, endStream: true);
            }
            else if (_chunked)
            {
                _protocol.Transport.Write("0\r\n\r\n"u8);
            }
        }

        Finished = true;
        _protocol.ResponseFinished(this);
    }

    /// <summary>
    /// Answers <c>101 Switching Protocols</c> with <c>Connection: Upgrade</c> and the header fields added so far and hands the connection to
    /// <paramref name="protocol"/> (WebSocket, h2c): HTTP parsing stops, and the bytes after this request plus all
    /// further data go to it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The head was already sent or the request is not in progress.</exception>
    public void Upgrade(Torsion.Protocols.IProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (HeadersSent || Finished || _abandoned)
        {
            throw new InvalidOperationException("The connection can only be upgraded before the response head is sent.");
        }

        if (_protocol is not HttpServerProtocol http1)
        {
            throw new NotSupportedException("Only an HTTP/1.1 connection can be upgraded; over HTTP/2 a WebSocket needs RFC 8441 extended CONNECT, which is not supported yet.");
        }

        StatusCode = 101;
        var head = new byte[64 + _headersLength];
        var n = 0;
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"u8.CopyTo(head);
        n += 55;
        _headers.AsSpan(0, _headersLength).CopyTo(head.AsSpan(n));
        n += _headersLength;
        "\r\n"u8.CopyTo(head.AsSpan(n));
        n += 2;
        _protocol.Transport.Write(head.AsSpan(0, n));
        HeadersSent = true;
        Finished = true;
        http1.UpgradeTo(protocol, this);
    }

    /// <summary>Flushes the head, then registers <paramref name="producer"/> with the connection (Twisted's IConsumer).</summary>
    public void RegisterProducer(IProducer producer, bool streaming)
    {
        Flush();
        if (_stream is not null)
        {
            _stream.RegisterProducer(producer, streaming);
            return;
        }

        _protocol.Transport.RegisterProducer(producer, streaming);
    }

    /// <summary>Unregisters the producer.</summary>
    public void UnregisterProducer()
    {
        if (_stream is not null)
        {
            _stream.UnregisterProducer();
            return;
        }

        _protocol.Transport.UnregisterProducer();
    }

    /// <summary>Whether trailer fields can be sent (HTTP/2; HTTP/1.1 responses here send none).</summary>
    public bool SupportsTrailers => _stream is not null;

    /// <summary>Adds a trailer field, sent after the body (HTTP/2 only: see <see cref="SupportsTrailers"/>).</summary>
    /// <exception cref="NotSupportedException">The response is carried by HTTP/1.1.</exception>
    /// <exception cref="InvalidOperationException">The response is finished.</exception>
    public void AddTrailer(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (_stream is null)
        {
            throw new NotSupportedException("Trailer fields are only sent over HTTP/2; check SupportsTrailers.");
        }

        if (Finished)
        {
            throw new InvalidOperationException($"The response is finished; the trailer field '{name}' comes too late.");
        }

        _stream.AddTrailer(name, value);
    }

    private int _outLength;

    internal void Reset(HttpRequestHead head)
    {
        StatusCode = 200;
        ReasonPhrase = null;
        ContentLength = -1;
        HeadersSent = false;
        Finished = false;
        BodyBytesSent = 0;
        KeepAlive = false;
        _headersLength = 0;
        _bodyLength = 0;
        _headBodyCount = 0;
        _isHead = head.KnownMethod == KnownMethod.Head;
        _http10 = head.Version == HttpProtocolVersion.Http10;
        _chunked = false;
        _close = false;
        _hasServer = false;
        _hasDate = false;
        _abandoned = false;
        Aborted = null;
    }

    internal void Abandon() => _abandoned = true;

    internal void ConnectionLost(Exception reason)
    {
        if (!Finished)
        {
            _abandoned = true;
            Aborted?.Invoke(reason);
        }
    }

    /// <summary>Writes a complete small response that closes the connection (error pages of the protocol).</summary>
    internal void WriteError(int status, string message)
    {
        var html = $"<html><head><title>{status} {HttpReasonPhrase.Get(status)}</title></head><body><h1>{status} {HttpReasonPhrase.Get(status)}</h1><p>{System.Net.WebUtility.HtmlEncode(message)}</p></body></html>";
        StatusCode = status;
        ReasonPhrase = null;
        ContentLength = -1;
        _headersLength = 0;
        _bodyLength = 0;
        _chunked = false;
        _hasServer = false;
        _hasDate = false;
        _abandoned = false;
        _isHead = false;
        _close = true;
        AddHeader("Content-Type"u8, "text/html; charset=utf-8"u8);
        AppendBody(Encoding.UTF8.GetBytes(html));
        WriteHead(finishing: true);
        BodyBytesSent = _bodyLength;
        Finished = true;
    }

    private static bool StatusAllowsBody(int status) => status >= 200 && status != 204 && status != 304;

    private void AppendBody(ReadOnlySpan<byte> data)
    {
        if (_bodyLength + data.Length > _body.Length)
        {
            Array.Resize(ref _body, Math.Max(_bodyLength + data.Length, _body.Length * 2));
        }

        data.CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += data.Length;
    }

    private void WriteHead(bool finishing)
    {
        if (_stream is null)
        {
            SendHead(finishing);
            _protocol.Transport.Write(_out.AsSpan(0, _outLength));
            return;
        }

        HeadersSent = true;
        KeepAlive = true;
        var bodyAllowed = StatusAllowsBody(StatusCode);
        var length = ContentLength;
        if (finishing && length < 0 && bodyAllowed)
        {
            length = _isHead ? _headBodyCount : _bodyLength;
        }

        var body = finishing && !_isHead && bodyAllowed ? _bodyLength : 0;
        _stream.SendHead(StatusCode, _headers.AsSpan(0, _headersLength), bodyAllowed ? length : -1, _hasServer, _hasDate, endStream: finishing && body == 0);
        if (body > 0)
        {
            _stream.SendData(_body.AsSpan(0, body), endStream: true);
        }
    }

    private void WriteBody(ReadOnlySpan<byte> data)
    {
        if (_stream is not null)
        {
            _stream.SendData(data, endStream: false);
            BodyBytesSent += data.Length;
            return;
        }

        var transport = _protocol.Transport;
        if (_chunked)
        {
            Span<byte> size = stackalloc byte[20];
            ((long)data.Length).TryFormat(size, out var n, "x");
            size[n] = (byte)'\r';
            size[n + 1] = (byte)'\n';
            transport.Write(size[..(n + 2)]);
            transport.Write(data);
            transport.Write("\r\n"u8);
        }
        else
        {
            transport.Write(data);
        }

        BodyBytesSent += data.Length;
    }

    private void SendHead(bool finishing)
    {
        HeadersSent = true;
        var status = StatusCode;
        var bodyAllowed = StatusAllowsBody(status);
        var length = ContentLength;
        if (finishing && length < 0 && bodyAllowed)
        {
            length = _isHead ? _headBodyCount : _bodyLength;
        }

        var keepAlive = !_close && _protocol.CanKeepAlive();
        _chunked = false;
        if (length < 0 && bodyAllowed)
        {
            if (_http10)
            {
                keepAlive = false;
            }
            else
            {
                // A HEAD response has no body to frame: it stays persistent without a length.
                _chunked = !_isHead;
            }
        }

        KeepAlive = keepAlive;
        var reason = ReasonPhrase ?? HttpReasonPhrase.Get(status);
        var date = _protocol.Date;
        var body = finishing && !_isHead && bodyAllowed ? _bodyLength : 0;
        // Fixed parts: "HTTP/1.1 " + status + SP + CRLF (15), "Date: " + CRLF (8), "Content-Length: " + 20 digits + CRLF
        // (38) or "Transfer-Encoding: chunked\r\n" (28), "Connection: keep-alive\r\n" (24), the final CRLF (2): 87 at most.
        var needed = 96 + reason.Length + _serverHeader.Length + date.Length + _headersLength + body;
        if (_out.Length < needed)
        {
            _out = new byte[Math.Max(needed, _out.Length * 2)];
        }

        var span = _out.AsSpan();
        var pos = 0;
        "HTTP/1.1 "u8.CopyTo(span);
        pos += 9;
        status.TryFormat(span[pos..], out var n);
        pos += n;
        span[pos++] = (byte)' ';
        pos += Encoding.ASCII.GetBytes(reason, span[pos..]);
        span[pos++] = (byte)'\r';
        span[pos++] = (byte)'\n';
        if (!_hasServer)
        {
            _serverHeader.CopyTo(span[pos..]);
            pos += _serverHeader.Length;
        }

        if (!_hasDate)
        {
            "Date: "u8.CopyTo(span[pos..]);
            pos += 6;
            date.CopyTo(span[pos..]);
            pos += date.Length;
            span[pos++] = (byte)'\r';
            span[pos++] = (byte)'\n';
        }

        _headers.AsSpan(0, _headersLength).CopyTo(span[pos..]);
        pos += _headersLength;
        if (bodyAllowed && length >= 0)
        {
            "Content-Length: "u8.CopyTo(span[pos..]);
            pos += 16;
            length.TryFormat(span[pos..], out n);
            pos += n;
            span[pos++] = (byte)'\r';
            span[pos++] = (byte)'\n';
        }
        else if (_chunked)
        {
            "Transfer-Encoding: chunked\r\n"u8.CopyTo(span[pos..]);
            pos += 28;
        }

        if (!keepAlive)
        {
            "Connection: close\r\n"u8.CopyTo(span[pos..]);
            pos += 19;
        }
        else if (_http10)
        {
            "Connection: keep-alive\r\n"u8.CopyTo(span[pos..]);
            pos += 24;
        }

        span[pos++] = (byte)'\r';
        span[pos++] = (byte)'\n';
        if (body > 0)
        {
            _body.AsSpan(0, body).CopyTo(span[pos..]);
            pos += body;
        }

        _outLength = pos;
    }

    private static void Latin1(string text, Span<byte> destination)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c > 0xFF)
            {
                throw new ArgumentException($"'{text}' has a character outside Latin-1; encode it (e.g. RFC 8187) first.", nameof(text));
            }

            destination[i] = (byte)c;
        }
    }
}
