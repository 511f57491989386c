using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>
/// The HTTP/2 server side of one connection (RFC 9113; HPACK per RFC 7541): the connection preface, SETTINGS exchange,
/// the stream state machine (section 5.1), header blocks over HEADERS and CONTINUATION, request validation (section
/// 8.1-8.3), connection and stream flow control (section 5.2) both ways, trailers, PING, RST_STREAM, GOAWAY, and
/// REFUSED_STREAM beyond SETTINGS_MAX_CONCURRENT_STREAMS. Each request goes to the same <see cref="HttpHandler"/>
/// (and so to the same <c>Site</c>) as over HTTP/1.1. Defences: rapid reset (CVE-2023-44487), CONTINUATION floods,
/// HPACK bombs, SETTINGS and PING floods, each answered with GOAWAY ENHANCE_YOUR_CALM (see <see cref="Http2Limits"/>).
/// </summary>
public sealed class Http2ServerProtocol : Protocol, IHpackHeaderReceiver
{
    /// <summary>The client connection preface (RFC 9113 section 3.4).</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private const int DefaultWindow = 65535;

    private readonly HttpHandler _handler;
    private readonly HttpServerOptions _options;
    private readonly Http2Limits _limits;
    private readonly IReactorTime _time;
    private readonly HttpDateCache _date;
    private readonly HpackDecoder _decoder;
    private readonly HpackEncoder _encoder;
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private readonly ArrayBufferWriter<byte> _block = new(1024);
    private readonly byte[] _headerBlock;
    private readonly byte[] _serverName;

    private byte[]? _pending;
    private int _pendingLength;
    private int _prefaceReceived;
    private bool _settingsReceived;
    private bool _closing;
    private bool _goAwaySent;
    private int _lastStreamId;
    private int _peerInitialWindow = DefaultWindow;
    private int _connectionReceiveWindow;
    private int _connectionUnacked;

    // Header block assembly.
    private int _headerStreamId;
    private int _headerBlockLength;
    private int _continuations;
    private bool _headerEndStream;

    // Header list decoding.
    private byte[] _fieldBytes = new byte[1024];
    private int _fieldBytesLength;
    private readonly List<(int NameStart, int NameLength, int ValueStart, int ValueLength)> _fields = [];
    private int _method = -1;
    private int _scheme = -1;
    private int _path = -1;
    private int _authority = -1;
    private string? _malformed;
    private bool _regularSeen;
    private bool _decodingTrailers;

    private IDelayedCall? _idleTimer;

    // Defences.
    private double _resetWindowStart;
    private int _resets;
    private double _controlWindowStart;
    private int _controlFrames;

    /// <summary>Makes the protocol for one connection.</summary>
    /// <param name="handler">Called for each request (stream).</param>
    /// <param name="time">The connection's reactor (rate windows).</param>
    /// <param name="options">Settings; null: the defaults. <see cref="HttpServerOptions.Http2"/> holds the HTTP/2 limits.</param>
    public Http2ServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions? options = null)
        : this(handler, time, options ?? HttpServerOptions.Default, null)
    {
    }

    internal Http2ServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions options, HttpDateCache? date)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(time);
        _handler = handler;
        _time = time;
        _options = options;
        _limits = options.Http2;
        _date = date ?? new HttpDateCache(options.TimeProvider);
        _decoder = new HpackDecoder(_limits.HeaderTableSize, _limits.MaxHeaderListSize);
        _encoder = new HpackEncoder();
        _headerBlock = new byte[_limits.MaxHeaderBlockSize];
        _serverName = Encoding.ASCII.GetBytes(options.ServerName ?? "");
        _connectionReceiveWindow = DefaultWindow;
    }

    /// <summary>Streams open now.</summary>
    public int ActiveStreams => _streams.Count;

    /// <summary>The error code of the GOAWAY this side sent, if any.</summary>
    public Http2ErrorCode? GoAwayCode { get; private set; }

    internal ReadOnlySpan<byte> Date => _date.Value;

    internal long SendWindow { get; private set; } = DefaultWindow;

    internal int PeerMaxFrameSize { get; private set; } = Http2FrameReader.MinMaxFrameSize;

    /// <inheritdoc/>
    public override void ConnectionMade()
    {
        Http2FrameWriter.WriteSettings(_out,
        [
            (Http2SettingId.MaxConcurrentStreams, (uint)_limits.MaxConcurrentStreams),
            (Http2SettingId.InitialWindowSize, (uint)_limits.InitialStreamWindowSize),
            (Http2SettingId.HeaderTableSize, (uint)_limits.HeaderTableSize),
            (Http2SettingId.MaxHeaderListSize, (uint)_limits.MaxHeaderListSize),
        ]);
        if (_limits.ConnectionWindowSize > DefaultWindow)
        {
            Http2FrameWriter.WriteWindowUpdate(_out, 0, _limits.ConnectionWindowSize - DefaultWindow);
            _connectionReceiveWindow = _limits.ConnectionWindowSize;
        }

        Emit();
        ArmIdleTimer();
    }

    /// <summary>
    /// Starts a graceful shutdown (RFC 9113 section 6.8): GOAWAY with NO_ERROR, no new streams, and the connection
    /// closes once the open streams are done.
    /// </summary>
    public void Shutdown()
    {
        if (_closing || _goAwaySent)
        {
            return;
        }

        SendGoAway(Http2ErrorCode.NoError, "Shutting down.");
        CloseIfIdle();
    }

    /// <inheritdoc/>
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_closing)
        {
            return;
        }

        try
        {
            if (_pendingLength == 0)
            {
                var used = Process(data);
                if (used < data.Length && !_closing)
                {
                    Append(data[used..]);
                }
            }
            else
            {
                Append(data);
                var used = Process(_pending.AsSpan(0, _pendingLength));
                _pending.AsSpan(used, _pendingLength - used).CopyTo(_pending);
                _pendingLength -= used;
            }
        }
        catch (Http2Exception e)
        {
            ConnectionError(e.ErrorCode, e.Message);
        }

        Emit();
    }

    /// <inheritdoc/>
    public override void ConnectionLost(Exception reason)
    {
        _closing = true;
        CancelIdleTimer();
        foreach (var stream in _streams.Values.ToArray())
        {
            stream.Fail(reason);
        }

        _streams.Clear();
    }

    /// <inheritdoc/>
    void IHpackHeaderReceiver.HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_malformed is not null)
        {
            return;
        }

        if (!name.IsEmpty && name[0] == (byte)':')
        {
            if (_regularSeen || _decodingTrailers)
            {
                _malformed = "A pseudo-header field comes after a regular field or in trailers.";
                return;
            }

            ref var slot = ref _method;
            if (name.SequenceEqual(":method"u8))
            {
                slot = ref _method;
            }
            else if (name.SequenceEqual(":scheme"u8))
            {
                slot = ref _scheme;
            }
            else if (name.SequenceEqual(":path"u8))
            {
                slot = ref _path;
            }
            else if (name.SequenceEqual(":authority"u8))
            {
                slot = ref _authority;
            }
            else
            {
                _malformed = $"'{Encoding.Latin1.GetString(name)}' is not a request pseudo-header field.";
                return;
            }

            if (slot >= 0)
            {
                _malformed = $"The pseudo-header field '{Encoding.Latin1.GetString(name)}' appears twice.";
                return;
            }

            slot = _fields.Count;
            AddField(name, value);
            return;
        }

        _regularSeen = true;
        foreach (var b in name)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' || b <= 0x20 || b >= 0x7F || b == (byte)':')
            {
                _malformed = $"The field name '{Encoding.Latin1.GetString(name)}' is not a lowercase token.";
                return;
            }
        }

        foreach (var b in value)
        {
            if (b is 0 or (byte)'\r' or (byte)'\n')
            {
                _malformed = $"The value of '{Encoding.Latin1.GetString(name)}' contains NUL, CR or LF.";
                return;
            }
        }

        if (!value.IsEmpty && (value[0] is (byte)' ' or (byte)'\t' || value[^1] is (byte)' ' or (byte)'\t'))
        {
            _malformed = $"The value of '{Encoding.Latin1.GetString(name)}' starts or ends with whitespace.";
            return;
        }

        if (name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8) || name.SequenceEqual("proxy-connection"u8)
            || name.SequenceEqual("transfer-encoding"u8) || name.SequenceEqual("upgrade"u8)
            || (name.SequenceEqual("te"u8) && !value.SequenceEqual("trailers"u8)))
        {
            _malformed = $"The connection-specific field '{Encoding.Latin1.GetString(name)}' is not allowed in HTTP/2.";
            return;
        }

        AddField(name, value);
    }

    internal void Consumed(Http2Stream stream, int n)
    {
        if (_closing || n <= 0)
        {
            return;
        }

        _connectionUnacked += n;
        if (_connectionUnacked >= _limits.ConnectionWindowSize / 4)
        {
            Http2FrameWriter.WriteWindowUpdate(_out, 0, _connectionUnacked);
            _connectionReceiveWindow += _connectionUnacked;
            _connectionUnacked = 0;
        }

        if (_streams.ContainsKey(stream.Id))
        {
            var update = stream.TakeWindowUpdate(n, _limits.InitialStreamWindowSize);
            if (update > 0)
            {
                Http2FrameWriter.WriteWindowUpdate(_out, stream.Id, update);
            }
        }

        Emit();
    }

    internal void WriteResponseHead(Http2Stream stream, int status, ReadOnlySpan<byte> headerLines, long contentLength, bool hasServer, bool hasDate, bool endStream)
    {
        _block.ResetWrittenCount();
        _encoder.BeginBlock(_block);
        Span<byte> number = stackalloc byte[20];
        status.TryFormat(number, out var n);
        _encoder.Encode(_block, ":status"u8, number[..n]);
        if (!hasServer && _serverName.Length > 0)
        {
            _encoder.Encode(_block, "server"u8, _serverName);
        }

        if (!hasDate)
        {
            _encoder.Encode(_block, "date"u8, _date.Value);
        }

        Span<byte> lower = stackalloc byte[256];
        while (!headerLines.IsEmpty)
        {
            var end = headerLines.IndexOf("\r\n"u8);
            var line = headerLines[..end];
            headerLines = headerLines[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            var name = line[..colon];
            var value = line[(colon + 2)..];
            var lowerName = name.Length <= lower.Length ? lower[..name.Length] : new byte[name.Length];
            Ascii.ToLower(name, lowerName, out _);
            if (lowerName.SequenceEqual("keep-alive"u8) || lowerName.SequenceEqual("proxy-connection"u8) || lowerName.SequenceEqual("upgrade"u8))
            {
                continue;
            }

            _encoder.Encode(_block, lowerName, value, sensitive: lowerName.SequenceEqual("set-cookie"u8) && value.Length < 20);
        }

        if (contentLength >= 0)
        {
            contentLength.TryFormat(number, out n);
            _encoder.Encode(_block, "content-length"u8, number[..n]);
        }

        Http2FrameWriter.WriteHeaders(_out, stream.Id, _block.WrittenSpan, endStream, PeerMaxFrameSize);
        Emit();
    }

    internal void WriteTrailers(Http2Stream stream, List<(string Name, string Value)> trailers)
    {
        _block.ResetWrittenCount();
        _encoder.BeginBlock(_block);
        foreach (var (name, value) in trailers)
        {
            _encoder.Encode(_block, Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        Http2FrameWriter.WriteHeaders(_out, stream.Id, _block.WrittenSpan, endStream: true, PeerMaxFrameSize);
        Emit();
    }

    internal void WriteData(Http2Stream stream, ReadOnlySpan<byte> data, bool endStream)
    {
        Http2FrameWriter.WriteData(_out, stream.Id, data, endStream);
        SendWindow -= data.Length;
        Emit();
    }

    internal void StreamLocalClosed(Http2Stream stream)
    {
        if (!stream.RemoteClosed)
        {
            // The response is complete before the request (RFC 9113 section 8.1): stop the client's upload.
            Http2FrameWriter.WriteRstStream(_out, stream.Id, Http2ErrorCode.NoError);
            stream.RemoteClosed = true;
        }

        RemoveStream(stream);
        Emit();
        CloseIfIdle();
    }

    private void AddField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var needed = _fieldBytesLength + name.Length + value.Length;
        if (needed > _fieldBytes.Length)
        {
            Array.Resize(ref _fieldBytes, Math.Max(needed, _fieldBytes.Length * 2));
        }

        name.CopyTo(_fieldBytes.AsSpan(_fieldBytesLength));
        value.CopyTo(_fieldBytes.AsSpan(_fieldBytesLength + name.Length));
        _fields.Add((_fieldBytesLength, name.Length, _fieldBytesLength + name.Length, value.Length));
        _fieldBytesLength = needed;
    }

    private int Process(ReadOnlySpan<byte> input)
    {
        var pos = 0;
        if (_prefaceReceived < Preface.Length)
        {
            var n = Math.Min(Preface.Length - _prefaceReceived, input.Length);
            if (!input[..n].SequenceEqual(Preface.Slice(_prefaceReceived, n)))
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "The connection preface is not the HTTP/2 one.");
            }

            _prefaceReceived += n;
            pos = n;
        }

        while (!_closing && Http2FrameHeader.TryRead(input[pos..], out var header))
        {
            Http2FrameReader.CheckHeader(header, Http2FrameReader.MinMaxFrameSize);
            if (input.Length - pos - Http2FrameHeader.Size < header.Length)
            {
                break;
            }

            var payload = input.Slice(pos + Http2FrameHeader.Size, header.Length);
            pos += Http2FrameHeader.Size + header.Length;
            try
            {
                Frame(header, payload);
            }
            catch (Http2Exception e) when (!e.IsConnectionError)
            {
                StreamError(e.StreamId, e.ErrorCode, e.Message);
            }
        }

        return pos;
    }

    private void Frame(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!_settingsReceived && header.Type != Http2FrameType.Settings)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"The first frame is {header.Type}, not SETTINGS.");
        }

        if (_headerStreamId != 0 && (header.Type != Http2FrameType.Continuation || header.StreamId != _headerStreamId))
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A {header.Type} frame on stream {header.StreamId} interrupts the header block of stream {_headerStreamId}.");
        }

        switch (header.Type)
        {
            case Http2FrameType.Settings:
                OnSettings(header, payload);
                break;
            case Http2FrameType.Headers:
                OnHeaders(header, payload);
                break;
            case Http2FrameType.Continuation:
                OnContinuation(header, payload);
                break;
            case Http2FrameType.Data:
                OnData(header, payload);
                break;
            case Http2FrameType.Priority:
                Http2FrameReader.CheckPriority(header, payload);
                break;
            case Http2FrameType.RstStream:
                OnRstStream(header, payload);
                break;
            case Http2FrameType.Ping:
                if (!header.Has(Http2FrameFlags.Ack))
                {
                    CountControlFrame("PING");
                    Http2FrameWriter.WritePing(_out, payload, ack: true);
                }

                break;
            case Http2FrameType.GoAway:
                _goAwaySent = true; // no new streams either way
                CloseIfIdle();
                break;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(header, payload);
                break;
        }
    }

    private void OnSettings(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Has(Http2FrameFlags.Ack))
        {
            return;
        }

        if (_settingsReceived)
        {
            CountControlFrame("SETTINGS");
        }

        _settingsReceived = true;
        ApplySettings(payload);
        Http2FrameWriter.WriteSettingsAck(_out);
        PumpAll();
    }

    private void ApplySettings(ReadOnlySpan<byte> payload)
    {
        for (var i = 0; i < payload.Length / 6; i++)
        {
            var (id, value) = Http2FrameReader.Setting(payload, i);
            switch (id)
            {
                case Http2SettingId.HeaderTableSize:
                    _encoder.SetPeerMaxTableSize((int)Math.Min(value, int.MaxValue));
                    break;
                case Http2SettingId.InitialWindowSize:
                    var delta = (int)value - _peerInitialWindow;
                    _peerInitialWindow = (int)value;
                    foreach (var stream in _streams.Values)
                    {
                        stream.SendWindow += delta;
                        if (stream.SendWindow > Http2FrameReader.MaxWindowSize)
                        {
                            throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE {value} overflows the window of stream {stream.Id}.");
                        }
                    }

                    break;
                case Http2SettingId.MaxFrameSize:
                    PeerMaxFrameSize = (int)value;
                    break;
            }
        }
    }

    private void OnHeaders(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var fragment = Http2FrameReader.HeadersPayload(header, payload);
        var id = header.StreamId;
        if (_streams.TryGetValue(id, out var existing))
        {
            if (existing.RemoteClosed)
            {
                throw Http2Exception.Connection(Http2ErrorCode.StreamClosed, $"HEADERS on stream {id}, which the client already ended.");
            }
        }
        else
        {
            if ((id & 1) == 0)
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A client opened the even stream {id}.");
            }

            if (id <= _lastStreamId)
            {
                throw Http2Exception.Connection(Http2ErrorCode.StreamClosed, $"HEADERS on stream {id}, which is closed.");
            }
        }

        _headerStreamId = id;
        _headerBlockLength = 0;
        _continuations = 0;
        _headerEndStream = header.Has(Http2FrameFlags.EndStream);
        AppendBlock(fragment);
        if (header.Has(Http2FrameFlags.EndHeaders))
        {
            HeaderBlockComplete();
        }
    }

    private void OnContinuation(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (_headerStreamId == 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"CONTINUATION on stream {header.StreamId} without a header block in progress.");
        }

        if (++_continuations > _limits.MaxContinuationFrames)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"A header block has more than {_limits.MaxContinuationFrames} CONTINUATION frames.");
        }

        AppendBlock(payload);
        if (header.Has(Http2FrameFlags.EndHeaders))
        {
            HeaderBlockComplete();
        }
    }

    private void AppendBlock(ReadOnlySpan<byte> fragment)
    {
        if (fragment.Length > _headerBlock.Length - _headerBlockLength)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"A header block exceeds {_limits.MaxHeaderBlockSize} bytes.");
        }

        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength += fragment.Length;
    }

    private void HeaderBlockComplete()
    {
        var id = _headerStreamId;
        _headerStreamId = 0;
        _fields.Clear();
        _fieldBytesLength = 0;
        _method = _scheme = _path = _authority = -1;
        _malformed = null;
        _regularSeen = false;
        _streams.TryGetValue(id, out var stream);
        _decodingTrailers = stream is not null;
        try
        {
            _decoder.Decode(_headerBlock.AsSpan(0, _headerBlockLength), this);
        }
        catch (HpackException e) when (e.HeaderListTooLarge)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, e.Message);
        }
        catch (HpackException e)
        {
            throw Http2Exception.Connection(Http2ErrorCode.CompressionError, e.Message);
        }

        if (stream is not null)
        {
            // Trailers: they must end the stream.
            if (!_headerEndStream)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, "A second header block does not end the stream.");
            }

            if (_malformed is not null)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, _malformed);
            }

            EndOfBody(stream);
            return;
        }

        _lastStreamId = id;
        if (_goAwaySent)
        {
            // After GOAWAY the stream is ignored (section 6.8); its header block was decoded to keep HPACK in step.
            return;
        }

        if (_streams.Count >= _limits.MaxConcurrentStreams)
        {
            Http2FrameWriter.WriteRstStream(_out, id, Http2ErrorCode.RefusedStream);
            CountReset();
            return;
        }

        if (_malformed is null)
        {
            _malformed = CheckPseudoHeaders();
        }

        if (_malformed is not null)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, _malformed);
        }

        stream = new Http2Stream(this, id, _options, _peerInitialWindow) { ReceiveWindow = _limits.InitialStreamWindowSize };
        var contentLength = LoadHead(stream.Head);
        if (contentLength == -2)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, "The content-length field is not a number.");
        }

        stream.DeclaredLength = contentLength;
        stream.RemoteClosed = _headerEndStream;
        if (_headerEndStream && contentLength > 0)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, $"The request declares {contentLength} body bytes but ends with its headers.");
        }

        Dispatch(stream);
    }

    /// <summary>
    /// Continues an HTTP/1.1 request that asked for <c>Upgrade: h2c</c> (RFC 7540 section 3.2) as stream 1, half-closed:
    /// applies the client's HTTP2-Settings, then answers the request on stream 1. The 101 response was already sent.
    /// </summary>
    internal void StartUpgraded(HttpRequestHead request, ReadOnlySpan<byte> settings)
    {
        if (settings.Length % 6 != 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "HTTP2-Settings is not a whole number of settings.");
        }

        ApplySettings(settings);
        _lastStreamId = 1;
        var stream = new Http2Stream(this, 1, _options, _peerInitialWindow) { ReceiveWindow = _limits.InitialStreamWindowSize, RemoteClosed = true };
        var head = stream.Head;
        var size = request.Method.Length + request.Target.Length;
        for (var i = 0; i < request.HeaderCount; i++)
        {
            size += request.HeaderName(i).Length + request.HeaderValue(i).Length;
        }

        var buffer = head.Load(new byte[size]);
        request.Method.CopyTo(buffer);
        request.Target.CopyTo(buffer[request.Method.Length..]);
        head.SetRequestLine(request.Method.Length, request.KnownMethod, request.Method.Length, request.Target.Length, HttpProtocolVersion.Http2);
        var pos = request.Method.Length + request.Target.Length;
        for (var i = 0; i < request.HeaderCount; i++)
        {
            var name = request.HeaderName(i);
            if (Ascii.EqualsIgnoreCase(name, "connection"u8) || Ascii.EqualsIgnoreCase(name, "upgrade"u8) || Ascii.EqualsIgnoreCase(name, "http2-settings"u8)
                || Ascii.EqualsIgnoreCase(name, "keep-alive"u8))
            {
                continue;
            }

            Put(head, buffer, ref pos, name, request.HeaderValue(i));
        }

        head.SetFraming(-1, chunked: false, keepAlive: true, expectsContinue: false);
        Dispatch(stream);
        Emit();
    }

    private void Dispatch(Http2Stream stream)
    {
        var id = stream.Id;
        _streams.Add(id, stream);
        CancelIdleTimer();
        stream.BeginResponse();
        try
        {
            _handler(stream.Request, stream.Response);
        }
        catch (Exception e)
        {
            _options.Logger?.LogError(e, "The handler of {Request} failed", stream.Request);
            if (stream.Response.Finished || stream.LocalClosed)
            {
                return;
            }

            if (stream.Response.HeadersSent)
            {
                StreamError(id, Http2ErrorCode.InternalError, "The handler failed.");
                return;
            }

            stream.Response.WriteError(500, "The server failed to answer this request.");
            stream.ResponseFinished(stream.Response);
        }
    }

    private string? CheckPseudoHeaders()
    {
        if (_method < 0)
        {
            return "The request has no :method.";
        }

        var method = FieldValue(_method);
        if (method.SequenceEqual("CONNECT"u8))
        {
            return _scheme >= 0 || _path >= 0 || _authority < 0 ? "A CONNECT request must have :authority and no :scheme or :path." : null;
        }

        if (_scheme < 0 || _path < 0)
        {
            return "The request lacks :scheme or :path.";
        }

        if (FieldValue(_path).IsEmpty)
        {
            return "The request has an empty :path.";
        }

        return null;
    }

    private ReadOnlySpan<byte> FieldName(int index) => _fieldBytes.AsSpan(_fields[index].NameStart, _fields[index].NameLength);

    private ReadOnlySpan<byte> FieldValue(int index) => _fieldBytes.AsSpan(_fields[index].ValueStart, _fields[index].ValueLength);

    /// <summary>Lays the request out as an <see cref="HttpRequestHead"/>; returns the content-length (-1 none, -2 malformed).</summary>
    private long LoadHead(HttpRequestHead head)
    {
        var method = FieldValue(_method);
        var path = _path >= 0 ? FieldValue(_path) : _authority >= 0 ? FieldValue(_authority) : "/"u8;
        var hasHost = false;
        var cookies = 0;
        var size = method.Length + path.Length + 16 + (_authority >= 0 ? FieldValue(_authority).Length + 4 : 0);
        foreach (var f in _fields)
        {
            size += f.NameLength + f.ValueLength + 4;
        }

        var buffer = head.Load(new byte[size]);
        method.CopyTo(buffer);
        path.CopyTo(buffer[method.Length..]);
        head.SetRequestLine(method.Length, HttpRequestParser.IdentifyMethod(method), method.Length, path.Length, HttpProtocolVersion.Http2);
        var pos = method.Length + path.Length;
        long contentLength = -1;
        var cookieStart = -1;
        for (var i = 0; i < _fields.Count; i++)
        {
            if (i == _method || i == _scheme || i == _path || i == _authority)
            {
                continue;
            }

            var name = FieldName(i);
            var value = FieldValue(i);
            if (name.SequenceEqual("host"u8))
            {
                hasHost = true;
            }
            else if (name.SequenceEqual("content-length"u8))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out var length) || (contentLength >= 0 && contentLength != length))
                {
                    return -2;
                }

                contentLength = length;
            }
            else if (name.SequenceEqual("cookie"u8))
            {
                cookies++;
                if (cookieStart < 0)
                {
                    cookieStart = i;
                }

                continue;
            }

            Put(head, buffer, ref pos, name, value);
        }

        if (cookies > 0)
        {
            // Split cookie fields are joined again for HTTP/1.1-style consumers (RFC 9113 section 8.2.3).
            "cookie"u8.CopyTo(buffer[pos..]);
            var valueStart = pos + 6;
            var end = valueStart;
            for (var i = cookieStart; i < _fields.Count; i++)
            {
                if (FieldName(i).SequenceEqual("cookie"u8))
                {
                    if (end > valueStart)
                    {
                        buffer[end++] = (byte)';';
                        buffer[end++] = (byte)' ';
                    }

                    FieldValue(i).CopyTo(buffer[end..]);
                    end += FieldValue(i).Length;
                }
            }

            head.AddField(pos, 6, valueStart, end - valueStart, HttpRequestParser.IdentifyHeader("cookie"u8));
            pos = end;
        }

        if (!hasHost && _authority >= 0)
        {
            Put(head, buffer, ref pos, "host"u8, FieldValue(_authority));
        }

        head.SetFraming(contentLength, chunked: !_headerEndStream && contentLength < 0, keepAlive: true, expectsContinue: false);
        return contentLength;
    }

    private static void Put(HttpRequestHead head, Span<byte> buffer, ref int pos, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        name.CopyTo(buffer[pos..]);
        value.CopyTo(buffer[(pos + name.Length)..]);
        head.AddField(pos, name.Length, pos + name.Length, value.Length, HttpRequestParser.IdentifyHeader(name));
        pos += name.Length + value.Length;
    }

    private void OnData(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var data = Http2FrameReader.DataPayload(header, payload);
        if (header.Length > _connectionReceiveWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, $"A DATA frame of {header.Length} bytes exceeds the connection window of {_connectionReceiveWindow}.");
        }

        _connectionReceiveWindow -= header.Length;
        if (!_streams.TryGetValue(header.StreamId, out var stream))
        {
            if (header.StreamId > _lastStreamId)
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"DATA on idle stream {header.StreamId}.");
            }

            // A closed stream: the bytes still count against the connection window, which is given back at once.
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.StreamClosed, header.StreamId, $"DATA on closed stream {header.StreamId}.");
        }

        if (stream.RemoteClosed)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.StreamClosed, header.StreamId, $"DATA on stream {header.StreamId} after its END_STREAM.");
        }

        if (header.Length > stream.ReceiveWindow)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.FlowControlError, header.StreamId, $"A DATA frame of {header.Length} bytes exceeds the window {stream.ReceiveWindow} of stream {header.StreamId}.");
        }

        stream.ReceiveWindow -= header.Length;
        stream.ReceivedBodyBytes += data.Length;
        if (stream.DeclaredLength >= 0 && stream.ReceivedBodyBytes > stream.DeclaredLength)
        {
            CreditConnection(header.Length);
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, header.StreamId, $"The body exceeds the declared content-length {stream.DeclaredLength}.");
        }

        if (stream.LocalClosed)
        {
            CreditConnection(header.Length);
        }
        else
        {
            stream.DataReceived(data, header.Length);
        }

        if (header.Has(Http2FrameFlags.EndStream))
        {
            EndOfBody(stream);
        }
    }

    private void EndOfBody(Http2Stream stream)
    {
        if (stream.DeclaredLength >= 0 && stream.ReceivedBodyBytes != stream.DeclaredLength)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, stream.Id, $"The body has {stream.ReceivedBodyBytes} bytes, not the declared {stream.DeclaredLength}.");
        }

        stream.RemoteClosed = true;
        stream.BodyEnded();
        if (stream.LocalClosed)
        {
            RemoveStream(stream);
            CloseIfIdle();
        }
    }

    private void OnRstStream(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var id = header.StreamId;
        if (id > _lastStreamId)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {id}.");
        }

        CountReset();
        if (_streams.TryGetValue(id, out var stream))
        {
            var code = Http2FrameReader.RstStreamCode(payload);
            stream.Fail(new Torsion.Transports.ConnectionLostException($"The client reset stream {id} ({code})."));
            RemoveStream(stream);
            CloseIfIdle();
        }
    }

    private void OnWindowUpdate(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        var increment = Http2FrameReader.WindowIncrement(header, payload);
        if (header.StreamId == 0)
        {
            SendWindow += increment;
            if (SendWindow > Http2FrameReader.MaxWindowSize)
            {
                throw Http2Exception.Connection(Http2ErrorCode.FlowControlError, "WINDOW_UPDATE makes the connection window exceed 2^31 - 1.");
            }

            PumpAll();
            return;
        }

        if (!_streams.TryGetValue(header.StreamId, out var stream))
        {
            if (header.StreamId > _lastStreamId)
            {
                throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"WINDOW_UPDATE on idle stream {header.StreamId}.");
            }

            return;
        }

        stream.SendWindow += increment;
        if (stream.SendWindow > Http2FrameReader.MaxWindowSize)
        {
            throw Http2Exception.Stream(Http2ErrorCode.FlowControlError, header.StreamId, $"WINDOW_UPDATE makes the window of stream {header.StreamId} exceed 2^31 - 1.");
        }

        stream.Pump();
    }

    private void PumpAll()
    {
        if (_streams.Count == 0)
        {
            return;
        }

        foreach (var stream in _streams.Values.ToArray())
        {
            if (SendWindow <= 0)
            {
                break;
            }

            if (stream.HasPendingSend)
            {
                stream.Pump();
            }
        }
    }

    private void CountReset()
    {
        var now = _time.Seconds();
        if (now - _resetWindowStart > _limits.ResetWindow.TotalSeconds)
        {
            _resetWindowStart = now;
            _resets = 0;
        }

        if (++_resets > _limits.MaxResetsPerWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"More than {_limits.MaxResetsPerWindow} stream resets within {_limits.ResetWindow.TotalSeconds:0.###} s (rapid reset).");
        }
    }

    private void CountControlFrame(string what)
    {
        var now = _time.Seconds();
        if (now - _controlWindowStart > _limits.ControlFrameWindow.TotalSeconds)
        {
            _controlWindowStart = now;
            _controlFrames = 0;
        }

        if (++_controlFrames > _limits.MaxControlFramesPerWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"More than {_limits.MaxControlFramesPerWindow} SETTINGS and PING frames within {_limits.ControlFrameWindow.TotalSeconds:0.###} s ({what} flood).");
        }
    }

    private void CreditConnection(int n)
    {
        if (n > 0)
        {
            _connectionUnacked += n;
            if (_connectionUnacked >= _limits.ConnectionWindowSize / 4)
            {
                Http2FrameWriter.WriteWindowUpdate(_out, 0, _connectionUnacked);
                _connectionReceiveWindow += _connectionUnacked;
                _connectionUnacked = 0;
            }
        }
    }

    private void RemoveStream(Http2Stream stream)
    {
        if (_streams.Remove(stream.Id))
        {
            CreditConnection(stream.UnreadBodyBytes);
            if (_streams.Count == 0)
            {
                ArmIdleTimer();
            }
        }
    }

    /// <summary>A connection without streams for <see cref="HttpServerOptions.IdleTimeout"/> is closed with GOAWAY NO_ERROR.</summary>
    private void ArmIdleTimer()
    {
        if (_closing || _options.IdleTimeout <= TimeSpan.Zero)
        {
            return;
        }

        if (_idleTimer is { Active: true })
        {
            _idleTimer.Reset(_options.IdleTimeout);
            return;
        }

        _idleTimer = _time.CallLater(_options.IdleTimeout, () =>
        {
            _idleTimer = null;
            if (!_closing && _streams.Count == 0)
            {
                SendGoAway(Http2ErrorCode.NoError, "Idle timeout.");
                CloseIfIdle();
            }
        });
    }

    private void CancelIdleTimer()
    {
        if (_idleTimer is { Active: true })
        {
            _idleTimer.Cancel();
        }

        _idleTimer = null;
    }

    private void StreamError(int id, Http2ErrorCode code, string message)
    {
        if (_options.Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("HTTP/2 stream {Stream} error {Code}: {Message}", id, code, message);
        }

        Http2FrameWriter.WriteRstStream(_out, id, code);
        if (_streams.TryGetValue(id, out var stream))
        {
            stream.Fail(new InvalidDataException($"Stream {id} was reset ({code}): {message}"));
            RemoveStream(stream);
        }

        Emit();
    }

    private void ConnectionError(Http2ErrorCode code, string message)
    {
        if (_options.Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("HTTP/2 connection error {Code}: {Message}", code, message);
        }

        SendGoAway(code, message);
        _closing = true;
        CancelIdleTimer();
        var reason = new InvalidDataException($"HTTP/2 connection error {code}: {message}");
        foreach (var stream in _streams.Values.ToArray())
        {
            stream.Fail(reason);
        }

        _streams.Clear();
        Emit();
        Transport.LoseConnection();
    }

    /// <summary>Ends the connection for an error found outside frame processing.</summary>
    internal void Fail(Http2Exception e)
    {
        ConnectionError(e.ErrorCode, e.Message);
        Emit();
    }

    private void SendGoAway(Http2ErrorCode code, string message)
    {
        if (GoAwayCode is not null)
        {
            return;
        }

        _goAwaySent = true;
        GoAwayCode = code;
        var debug = Encoding.UTF8.GetBytes(message.Length > 200 ? message[..200] : message);
        Http2FrameWriter.WriteGoAway(_out, _lastStreamId, code, debug);
        Emit();
    }

    private void CloseIfIdle()
    {
        if (_goAwaySent && !_closing && _streams.Count == 0)
        {
            _closing = true;
            CancelIdleTimer();
            Emit();
            Transport.LoseConnection();
        }
    }

    private void Emit()
    {
        if (_out.WrittenCount > 0 && Transport is not null)
        {
            Transport.Write(_out.WrittenSpan);
            _out.ResetWrittenCount();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_pending is null || _pendingLength + data.Length > _pending.Length)
        {
            var bigger = new byte[Math.Max(_pendingLength + data.Length, Math.Max(32 * 1024, (_pending?.Length ?? 0) * 2))];
            _pending?.AsSpan(0, _pendingLength).CopyTo(bigger);
            _pending = bigger;
        }

        data.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += data.Length;
    }
}
