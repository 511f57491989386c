using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Http2;

/// <summary>
/// What both ends of an HTTP/2 connection do alike (RFC 9113): frame reading and dispatch, header blocks over HEADERS
/// and CONTINUATION, SETTINGS (applied and acknowledged), PING, WINDOW_UPDATE, connection and stream flow control
/// (section 5.2) both ways, RST_STREAM and GOAWAY, the HPACK contexts, and the defences (CONTINUATION floods, HPACK
/// bombs, SETTINGS and PING floods). <see cref="Http2ServerProtocol"/> and the client's <c>Http2ClientProtocol</c> add
/// what their side does with streams.
/// </summary>
public abstract partial class Http2Connection : Protocol
{
    private protected const int DefaultWindow = 65535;

    private readonly ILogger? _logger;
    private readonly byte[] _headerBlock;
    private byte[]? _pending;
    private int _pendingLength;
    private int _connectionReceiveWindow;
    private int _connectionUnacked;

    // Header block assembly.
    private int _headerStreamId;
    private int _headerBlockLength;
    private int _continuations;

    // Defences.
    private double _resetWindowStart;
    private int _resets;
    private double _controlWindowStart;
    private int _controlFrames;

    // RFC 9113 section 6.5.3: our SETTINGS must be acknowledged within Limits.SettingsTimeout.
    private IDelayedCall? _settingsTimer;

    /// <summary>The connection's idle timer; each side arms it with its own rule (the client closes, the server sends GOAWAY).</summary>
    private protected IDelayedCall? ConnectionIdleTimer { get; set; }

    private protected Http2Connection(IReactorTime time, Http2Limits limits, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        Limits = limits;
        _logger = logger;
        Decoder = new HpackDecoder(limits.HeaderTableSize, limits.MaxHeaderListSize);
        Encoder = new HpackEncoder();
        _headerBlock = new byte[limits.MaxHeaderBlockSize];
        _connectionReceiveWindow = DefaultWindow;
    }

    /// <summary>Streams open now.</summary>
    public int ActiveStreams => Streams.Count;

    /// <summary>The error code of the GOAWAY this side sent, if any (of a graceful shutdown: once the final GOAWAY is sent).</summary>
    public Http2ErrorCode? GoAwayCode { get; private set; }

    /// <summary>Why this side ended the connection with a connection error, if it did (the GOAWAY's debug text).</summary>
    internal string? ConnectionErrorMessage { get; private set; }

    private protected IReactorTime Time { get; }

    private protected Http2Limits Limits { get; }

    private protected HpackDecoder Decoder { get; }

    private protected HpackEncoder Encoder { get; }

    private protected Dictionary<int, Http2StreamState> Streams { get; } = [];

    /// <summary>Frames waiting for <see cref="Emit"/>.</summary>
    private protected ArrayBufferWriter<byte> Output { get; } = new(4096);

    /// <summary>A scratch buffer for encoding one header block.</summary>
    private protected ArrayBufferWriter<byte> Block { get; } = new(1024);

    /// <summary>The connection is closing or closed: nothing more is read.</summary>
    private protected bool Closing { get; set; }

    /// <summary>GOAWAY was sent or received: no new streams.</summary>
    private protected bool GoAwaySent { get; set; }

    /// <summary>The highest stream id opened on this connection (by the client).</summary>
    private protected int LastStreamId { get; set; }

    /// <summary>The peer's SETTINGS_INITIAL_WINDOW_SIZE.</summary>
    private protected int PeerInitialWindow { get; private set; } = DefaultWindow;

    /// <summary>The peer's first SETTINGS frame arrived.</summary>
    private protected bool SettingsReceived { get; private set; }

    /// <summary>The END_STREAM flag of the header block being assembled.</summary>
    private protected bool HeaderEndStream { get; private set; }

    internal long SendWindow { get; private set; } = DefaultWindow;

    internal int PeerMaxFrameSize { get; private set; } = Http2FrameReader.MinMaxFrameSize;

    /// <inheritdoc/>
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (Closing)
        {
            return;
        }

        try
        {
            if (_pendingLength == 0)
            {
                var used = Process(data);
                if (used < data.Length && !Closing)
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

    /// <summary>
    /// Writes this side's SETTINGS and, when the connection window is larger than the default, its WINDOW_UPDATE; starts
    /// the wait for the peer's acknowledgement (<see cref="Http2Limits.SettingsTimeout"/>).
    /// </summary>
    private protected void WriteSettings(ReadOnlySpan<(Http2SettingId Id, uint Value)> settings)
    {
        Http2FrameWriter.WriteSettings(Output, settings);
        if (Limits.ConnectionWindowSize > DefaultWindow)
        {
            Http2FrameWriter.WriteWindowUpdate(Output, 0, Limits.ConnectionWindowSize - DefaultWindow);
            _connectionReceiveWindow = Limits.ConnectionWindowSize;
        }

        if (Limits.SettingsTimeout > TimeSpan.Zero && _settingsTimer is null)
        {
            _settingsTimer = Time.CallLater(Limits.SettingsTimeout, SettingsTimedOut);
        }
    }

    /// <summary>Stops the wait for the SETTINGS acknowledgement (the connection is closing).</summary>
    private protected void CancelSettingsTimer()
    {
        if (_settingsTimer is { Active: true })
        {
            _settingsTimer.Cancel();
        }

        _settingsTimer = null;
    }

    /// <summary>Reads the connection preface at the start of the input; returns the bytes used.</summary>
    private protected abstract int ReadPreface(ReadOnlySpan<byte> input);

    /// <summary>Checks a frame header before the generic checks (a side may reject some types itself).</summary>
    private protected virtual void CheckFrame(in Http2FrameHeader header)
    {
    }

    /// <summary>Checks HEADERS that open a stream unknown to the connection (throws on a protocol violation).</summary>
    private protected abstract void CheckNewStream(int id);

    /// <summary>A whole header block arrived for stream <paramref name="id"/>; decode it with <see cref="DecodeBlock"/>.</summary>
    private protected abstract void HeaderBlockComplete(int id, ReadOnlySpan<byte> block);

    /// <summary>The peer reset an open or closed (not idle) stream.</summary>
    private protected abstract void StreamReset(int id, Http2ErrorCode code);

    /// <summary>The peer sent GOAWAY.</summary>
    private protected abstract void GoAwayReceived(int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debug);

    /// <summary>The peer acknowledged a PING this side sent.</summary>
    private protected virtual void PingAcknowledged(ReadOnlySpan<byte> opaque)
    {
    }

    /// <summary>The last stream id a GOAWAY from this side names: the last stream the peer opened that this side processes.</summary>
    private protected virtual int GoAwayLastStreamId => LastStreamId;

    /// <summary>A setting the core does not act on itself (the core applies table size, window and frame size).</summary>
    private protected virtual void SettingReceived(Http2SettingId id, uint value)
    {
    }

    /// <summary>The peer's SETTINGS were applied and acknowledged.</summary>
    private protected virtual void SettingsApplied()
    {
    }

    /// <summary>A frame for <paramref name="stream"/> arrived (DATA, trailers, WINDOW_UPDATE).</summary>
    private protected virtual void StreamFrameReceived(Http2StreamState stream)
    {
    }

    /// <summary>A stream left the connection.</summary>
    private protected virtual void StreamRemoved(Http2StreamState stream)
    {
    }

    /// <summary>After GOAWAY (sent or received), closes the connection once no stream is open.</summary>
    private protected void CloseIfIdle()
    {
        if (GoAwaySent && !Closing && Streams.Count == 0)
        {
            Closing = true;
            CancelIdleTimer();
            Emit();
            Transport.LoseConnection();
        }
    }

    /// <summary>Stops the connection's idle timer, if it runs.</summary>
    private protected void CancelIdleTimer()
    {
        if (ConnectionIdleTimer is { Active: true } timer)
        {
            timer.Cancel();
        }

        ConnectionIdleTimer = null;
    }

    /// <summary>The connection is closing (a connection error): stop timers.</summary>
    private protected virtual void Closed()
    {
    }

    /// <summary>Decodes the assembled header block into <paramref name="receiver"/>, mapping HPACK errors to connection errors.</summary>
    private protected void DecodeBlock(ReadOnlySpan<byte> block, IHpackHeaderReceiver receiver)
    {
        try
        {
            Decoder.Decode(block, receiver);
        }
        catch (HpackException e) when (e.HeaderListTooLarge)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, e.Message);
        }
        catch (HpackException e)
        {
            throw Http2Exception.Connection(Http2ErrorCode.CompressionError, e.Message);
        }
    }

    /// <summary>The application consumed <paramref name="n"/> body bytes of <paramref name="stream"/>: credit the windows.</summary>
    internal void Consumed(Http2StreamState stream, int n)
    {
        if (Closing || n <= 0 || stream.Removed)
        {
            return;
        }

        _connectionUnacked += n;
        if (_connectionUnacked >= Limits.ConnectionWindowSize / 4)
        {
            Http2FrameWriter.WriteWindowUpdate(Output, 0, _connectionUnacked);
            _connectionReceiveWindow += _connectionUnacked;
            _connectionUnacked = 0;
        }

        if (Streams.ContainsKey(stream.Id))
        {
            var update = stream.TakeWindowUpdate(n, Limits.InitialStreamWindowSize);
            if (update > 0)
            {
                Http2FrameWriter.WriteWindowUpdate(Output, stream.Id, update);
            }
        }

        Emit();
    }

    internal void WriteData(Http2StreamState stream, ReadOnlySpan<byte> data, bool endStream)
    {
        Http2FrameWriter.WriteData(Output, stream.Id, data, endStream);
        SendWindow -= data.Length;
        Emit();
    }

    /// <summary>Counts a stream reset (sent or received, by the side's rules) against the rapid reset limit.</summary>
    private protected void CountReset()
    {
        var now = Time.Seconds();
        if (now - _resetWindowStart > Limits.ResetWindow.TotalSeconds)
        {
            _resetWindowStart = now;
            _resets = 0;
        }

        if (++_resets > Limits.MaxResetsPerWindow)
        {
            throw Http2Exception.Connection(Http2ErrorCode.EnhanceYourCalm, $"More than {Limits.MaxResetsPerWindow} stream resets within {Limits.ResetWindow.TotalSeconds:0.###} s (rapid reset).");
        }
    }

    private protected void CreditConnection(int n)
    {
        if (n > 0)
        {
            _connectionUnacked += n;
            if (_connectionUnacked >= Limits.ConnectionWindowSize / 4)
            {
                Http2FrameWriter.WriteWindowUpdate(Output, 0, _connectionUnacked);
                _connectionReceiveWindow += _connectionUnacked;
                _connectionUnacked = 0;
            }
        }
    }

    private protected void RemoveStream(Http2StreamState stream)
    {
        if (Streams.Remove(stream.Id))
        {
            stream.Removed = true;
            CreditConnection(stream.UnreadBodyBytes);
            StreamRemoved(stream);
        }
    }

    /// <summary>The peer ended its side of <paramref name="stream"/>.</summary>
    private protected void EndOfBody(Http2StreamState stream)
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

    private protected void StreamError(int id, Http2ErrorCode code, string message)
    {
        if (_logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("HTTP/2 stream {Stream} error {Code}: {Message}", id, code, message);
        }

        Http2FrameWriter.WriteRstStream(Output, id, code);
        if (Streams.TryGetValue(id, out var stream))
        {
            stream.Fail(new InvalidDataException($"Stream {id} was reset ({code}): {message}"));
            RemoveStream(stream);
        }

        Emit();
    }

    private protected void ConnectionError(Http2ErrorCode code, string message)
    {
        if (_logger is { } logger && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("HTTP/2 connection error {Code}: {Message}", code, message);
        }

        SendGoAway(code, message);
        ConnectionErrorMessage ??= message;
        Closing = true;
        CancelSettingsTimer();
        Closed();
        var reason = new InvalidDataException($"HTTP/2 connection error {code}: {message}");
        foreach (var stream in Streams.Values.ToArray())
        {
            stream.Fail(reason);
        }

        Streams.Clear();
        Emit();
        Transport.LoseConnection();
    }

    /// <summary>Ends the connection for an error found outside frame processing.</summary>
    internal void Fail(Http2Exception e)
    {
        ConnectionError(e.ErrorCode, e.Message);
        Emit();
    }

    private protected void SendGoAway(Http2ErrorCode code, string message)
    {
        if (GoAwayCode is not null)
        {
            return;
        }

        GoAwaySent = true;
        GoAwayCode = code;
        var debug = Encoding.UTF8.GetBytes(message.Length > 200 ? message[..200] : message);
        Http2FrameWriter.WriteGoAway(Output, GoAwayLastStreamId, code, debug);
        Emit();
    }

    /// <summary>The peer's SETTINGS acknowledgement arrived.</summary>
    private protected void SettingsAcknowledged() => CancelSettingsTimer();

    private void SettingsTimedOut()
    {
        _settingsTimer = null;
        if (Closing)
        {
            return;
        }

        ConnectionError(Http2ErrorCode.SettingsTimeout, $"The peer did not acknowledge SETTINGS within {Limits.SettingsTimeout.TotalSeconds:0.###} s (Http2Limits.SettingsTimeout).");
    }

    private protected void Emit()
    {
        if (Output.WrittenCount > 0 && Transport is not null)
        {
            Transport.Write(Output.WrittenSpan);
            Output.ResetWrittenCount();
        }
    }

    private protected void PumpAll()
    {
        if (Streams.Count == 0)
        {
            return;
        }

        foreach (var stream in Streams.Values.ToArray())
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

    /// <summary>Applies SETTINGS parameters (also those of an HTTP2-Settings upgrade field).</summary>
    private protected void ApplySettings(ReadOnlySpan<byte> payload)
    {
        for (var i = 0; i < payload.Length / 6; i++)
        {
            var (id, value) = Http2FrameReader.Setting(payload, i);
            switch (id)
            {
                case Http2SettingId.HeaderTableSize:
                    Encoder.SetPeerMaxTableSize((int)Math.Min(value, int.MaxValue));
                    break;
                case Http2SettingId.InitialWindowSize:
                    var delta = (int)value - PeerInitialWindow;
                    PeerInitialWindow = (int)value;
                    foreach (var stream in Streams.Values)
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
                default:
                    SettingReceived(id, value);
                    break;
            }
        }
    }

}
