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
public sealed partial class Http2ServerProtocol : Http2Connection, IHpackHeaderReceiver
{
    /// <summary>The client connection preface (RFC 9113 section 3.4).</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly HttpHandler _handler;
    private readonly HttpServerOptions _options;
    private readonly HttpDateCache _date;
    private readonly byte[] _serverName;

    private int _prefaceReceived;

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


    // Between the two GOAWAYs of a graceful shutdown: streams are still accepted.
    private bool _draining;
    private IDelayedCall? _shutdownTimer;

    /// <summary>Makes the protocol for one connection.</summary>
    /// <param name="handler">Called for each request (stream).</param>
    /// <param name="time">The connection's reactor (rate windows).</param>
    /// <param name="options">Settings; null: the defaults. <see cref="HttpServerOptions.Http2"/> holds the HTTP/2 limits.</param>
    public Http2ServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions? options = null)
        : this(handler, time, options ?? HttpServerOptions.Default, null)
    {
    }

    internal Http2ServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions options, HttpDateCache? date)
        : base(time, options.Http2, options.Logger)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _options = options;
        _date = date ?? new HttpDateCache(options.TimeProvider);
        _serverName = Encoding.ASCII.GetBytes(options.ServerName ?? "");
    }

    internal ReadOnlySpan<byte> Date => _date.Value;

    /// <summary>The opaque data of the PING sent with the first GOAWAY of a graceful shutdown.</summary>
    private static ReadOnlySpan<byte> ShutdownPing => "shutdown"u8;

    /// <inheritdoc/>
    public override void ConnectionMade()
    {
        WriteSettings(
        [
            (Http2SettingId.MaxConcurrentStreams, (uint)Limits.MaxConcurrentStreams),
            (Http2SettingId.InitialWindowSize, (uint)Limits.InitialStreamWindowSize),
            (Http2SettingId.HeaderTableSize, (uint)Limits.HeaderTableSize),
            (Http2SettingId.MaxHeaderListSize, (uint)Limits.MaxHeaderListSize),
        ]);
        Emit();
        ArmIdleTimer();
    }

    /// <summary>
    /// Starts a graceful shutdown in two steps (RFC 9113 section 6.8): a GOAWAY NO_ERROR with the last stream id 2^31-1
    /// and a PING; when the PING's ACK arrives (or after <see cref="Http2Limits.ShutdownPingTimeout"/>), the final GOAWAY
    /// with the last stream id opened, so that the requests the client sent before it saw the first GOAWAY are served.
    /// Then no new streams, and the connection closes once the open streams are done.
    /// </summary>
    public void Shutdown()
    {
        if (Closing || GoAwaySent || _draining)
        {
            return;
        }

        CancelIdleTimer();
        if (Limits.ShutdownPingTimeout <= TimeSpan.Zero)
        {
            SendGoAway(Http2ErrorCode.NoError, "Shutting down.");
            CloseIfIdle();
            return;
        }

        _draining = true;
        Http2FrameWriter.WriteGoAway(Output, int.MaxValue, Http2ErrorCode.NoError, "Shutting down."u8);
        Http2FrameWriter.WritePing(Output, ShutdownPing, ack: false);
        Emit();
        _shutdownTimer = Time.CallLater(Limits.ShutdownPingTimeout, FinishShutdown);
    }

    /// <inheritdoc/>
    public override void ConnectionLost(Exception reason)
    {
        Closing = true;
        CancelIdleTimer();
        CancelSettingsTimer();
        CancelShutdownTimer();
        foreach (var stream in Streams.Values.ToArray())
        {
            stream.Fail(reason);
        }

        Streams.Clear();
    }

    private protected override int ReadPreface(ReadOnlySpan<byte> input)
    {
        if (_prefaceReceived >= Preface.Length)
        {
            return 0;
        }

        var n = Math.Min(Preface.Length - _prefaceReceived, input.Length);
        if (!input[..n].SequenceEqual(Preface.Slice(_prefaceReceived, n)))
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "The connection preface is not the HTTP/2 one.");
        }

        _prefaceReceived += n;
        return n;
    }

    private protected override void CheckNewStream(int id)
    {
        if ((id & 1) == 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"A client opened the even stream {id}.");
        }

        if (id <= LastStreamId)
        {
            throw Http2Exception.Connection(Http2ErrorCode.StreamClosed, $"HEADERS on stream {id}, which is closed.");
        }
    }

    private protected override void StreamReset(int id, Http2ErrorCode code)
    {
        CountReset();
        if (Streams.TryGetValue(id, out var stream))
        {
            stream.Fail(new Torsion.Transports.ConnectionLostException($"The client reset stream {id} ({code})."));
            RemoveStream(stream);
            CloseIfIdle();
        }
    }

    private protected override void GoAwayReceived(int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debug)
    {
        GoAwaySent = true; // no new streams either way
        CloseIfIdle();
    }

    private protected override void PingAcknowledged(ReadOnlySpan<byte> opaque)
    {
        if (_draining && opaque.SequenceEqual(ShutdownPing))
        {
            FinishShutdown();
        }
    }

    /// <summary>The second step of <see cref="Shutdown"/>: the final GOAWAY names the last stream opened.</summary>
    private void FinishShutdown()
    {
        if (!_draining)
        {
            return;
        }

        _draining = false;
        CancelShutdownTimer();
        if (Closing)
        {
            return;
        }

        SendGoAway(Http2ErrorCode.NoError, "Shutting down.");
        CloseIfIdle();
    }

    private void CancelShutdownTimer()
    {
        if (_shutdownTimer is { Active: true })
        {
            _shutdownTimer.Cancel();
        }

        _shutdownTimer = null;
    }

    private protected override void StreamFrameReceived(Http2StreamState stream) => ((Http2Stream)stream).LastFrame = Time.Seconds();

    private protected override void StreamRemoved(Http2StreamState stream)
    {
        if (((Http2Stream)stream).IdleTimer is { Active: true } timer)
        {
            timer.Cancel();
        }

        if (Streams.Count == 0)
        {
            ArmIdleTimer();
        }
    }

    private protected override void Closed()
    {
        CancelIdleTimer();
        CancelShutdownTimer();
    }

    internal void WriteResponseHead(Http2Stream stream, int status, ReadOnlySpan<byte> headerLines, long contentLength, bool hasServer, bool hasDate, bool endStream)
    {
        Block.ResetWrittenCount();
        Encoder.BeginBlock(Block);
        Span<byte> number = stackalloc byte[20];
        status.TryFormat(number, out var n);
        Encoder.Encode(Block, ":status"u8, number[..n]);
        if (!hasServer && _serverName.Length > 0)
        {
            Encoder.Encode(Block, "server"u8, _serverName);
        }

        if (!hasDate)
        {
            Encoder.Encode(Block, "date"u8, _date.Value);
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

            Encoder.Encode(Block, lowerName, value, sensitive: lowerName.SequenceEqual("set-cookie"u8) && value.Length < 20);
        }

        if (contentLength >= 0)
        {
            contentLength.TryFormat(number, out n);
            Encoder.Encode(Block, "content-length"u8, number[..n]);
        }

        Http2FrameWriter.WriteHeaders(Output, stream.Id, Block.WrittenSpan, endStream, PeerMaxFrameSize);
        Emit();
    }

    internal void WriteTrailers(Http2Stream stream, List<(string Name, string Value)> trailers)
    {
        Block.ResetWrittenCount();
        Encoder.BeginBlock(Block);
        foreach (var (name, value) in trailers)
        {
            Encoder.Encode(Block, Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        }

        Http2FrameWriter.WriteHeaders(Output, stream.Id, Block.WrittenSpan, endStream: true, PeerMaxFrameSize);
        Emit();
    }

    internal void StreamLocalClosed(Http2Stream stream)
    {
        if (!stream.RemoteClosed)
        {
            // The response is complete before the request (RFC 9113 section 8.1): stop the client's upload.
            Http2FrameWriter.WriteRstStream(Output, stream.Id, Http2ErrorCode.NoError);
            stream.RemoteClosed = true;
        }

        RemoveStream(stream);
        Emit();
        CloseIfIdle();
    }

    private protected override void HeaderBlockComplete(int id, ReadOnlySpan<byte> block)
    {
        _fields.Clear();
        _fieldBytesLength = 0;
        _method = _scheme = _path = _authority = -1;
        _malformed = null;
        _regularSeen = false;
        Streams.TryGetValue(id, out var existing);
        var stream = existing as Http2Stream;
        _decodingTrailers = stream is not null;
        DecodeBlock(block, this);

        if (stream is not null)
        {
            // Trailers: they must end the stream.
            if (!HeaderEndStream)
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

        LastStreamId = id;
        if (GoAwaySent)
        {
            // After GOAWAY the stream is ignored (section 6.8); its header block was decoded to keep HPACK in step.
            return;
        }

        if (Streams.Count >= Limits.MaxConcurrentStreams)
        {
            Http2FrameWriter.WriteRstStream(Output, id, Http2ErrorCode.RefusedStream);
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

        stream = new Http2Stream(this, id, _options, PeerInitialWindow) { ReceiveWindow = Limits.InitialStreamWindowSize };
        var contentLength = LoadHead(stream.Head);
        if (contentLength == -2)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, "The content-length field is not a number.");
        }

        stream.DeclaredLength = contentLength;
        stream.RemoteClosed = HeaderEndStream;
        if (HeaderEndStream && contentLength > 0)
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
        LastStreamId = 1;
        var stream = new Http2Stream(this, 1, _options, PeerInitialWindow) { ReceiveWindow = Limits.InitialStreamWindowSize, RemoteClosed = true };
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
        Streams.Add(id, stream);
        ArmStreamTimer(stream, Limits.StreamIdleTimeout);
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

    /// <summary>Resets a stream that waits on the client and got no frame for <see cref="Http2Limits.StreamIdleTimeout"/>.</summary>
    private void ArmStreamTimer(Http2Stream stream, TimeSpan delay)
    {
        if (Limits.StreamIdleTimeout <= TimeSpan.Zero)
        {
            return;
        }

        stream.LastFrame = Time.Seconds();
        stream.IdleTimer = Time.CallLater(delay, () => StreamTimerFired(stream));
    }

    private void StreamTimerFired(Http2Stream stream)
    {
        stream.IdleTimer = null;
        if (Closing || !Streams.ContainsKey(stream.Id))
        {
            return;
        }

        var limit = Limits.StreamIdleTimeout.TotalSeconds;
        var idle = Time.Seconds() - stream.LastFrame;
        var waitsOnPeer = !stream.RemoteClosed || (stream.HasPendingSend && (stream.SendWindow <= 0 || SendWindow <= 0));
        if (!waitsOnPeer)
        {
            // The handler is working, or the peer owes nothing: the stream's clock restarts.
            ArmStreamTimer(stream, Limits.StreamIdleTimeout);
            return;
        }

        if (idle + 1e-9 < limit)
        {
            stream.IdleTimer = Time.CallLater(TimeSpan.FromSeconds(limit - idle), () => StreamTimerFired(stream));
            return;
        }

        if (_options.Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("HTTP/2 stream {Stream} got no frame for {Seconds} s: reset", stream.Id, limit);
        }

        Http2FrameWriter.WriteRstStream(Output, stream.Id, Http2ErrorCode.Cancel);
        stream.Fail(new TimeoutException($"HTTP/2 stream {stream.Id} received no frame for {limit:0.###} s (Http2Limits.StreamIdleTimeout)."));
        RemoveStream(stream);
        Emit();
        CloseIfIdle();
    }

    /// <summary>A connection without streams for <see cref="HttpServerOptions.IdleTimeout"/> is closed with GOAWAY NO_ERROR.</summary>
    private void ArmIdleTimer()
    {
        if (Closing || _draining || GoAwaySent || _options.IdleTimeout <= TimeSpan.Zero)
        {
            return;
        }

        if (ConnectionIdleTimer is { Active: true } idle)
        {
            idle.Reset(_options.IdleTimeout);
            return;
        }

        ConnectionIdleTimer = Time.CallLater(_options.IdleTimeout, () =>
        {
            ConnectionIdleTimer = null;
            if (!Closing && Streams.Count == 0)
            {
                SendGoAway(Http2ErrorCode.NoError, "Idle timeout.");
                CloseIfIdle();
            }
        });
    }
}
