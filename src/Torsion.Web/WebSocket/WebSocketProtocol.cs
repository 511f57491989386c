using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.WebSocket;

/// <summary>
/// One WebSocket connection after the opening handshake, either side (RFC 6455 sections 5-8; RFC 7692 when
/// permessage-deflate was negotiated): whole text and binary messages, fragments joined on receive and optionally
/// made on send, automatic pongs, <see cref="Ping"/>, and the close handshake with a timeout.
/// Flow control: it is a consumer over the TCP transport (a producer registered here is paused when the peer reads
/// slowly) and a producer (<see cref="PauseProducing"/> stops delivering messages and reading from the socket).
/// Messages wait, with reading paused, until a <see cref="MessageReceived"/> handler is attached.
/// </summary>
public sealed class WebSocketProtocol : Protocol, IConsumer, IPushProducer, IServerShutdownListener
{
    /// <summary>Messages shorter than this are sent uncompressed even when permessage-deflate is on.</summary>
    public const int MinimumCompressedSize = 128;

    private readonly IReactorTime _time;
    private readonly WebSocketOptions _options;
    private readonly WebSocketFrameParser _parser;
    private readonly PerMessageDeflate? _deflate;
    private readonly Queue<(byte[] Payload, Deferred<Unit> Done)> _pings = new();
    private readonly byte[] _random = new byte[256];
    private int _randomUsed = 256;
    private WebSocketMessageHandler? _messageReceived;
    private readonly PendingInput _pending = new();
    private bool _paused;
    private bool _readPaused;
    private bool _processing;
    private bool _failed;
    private bool _closeSent;
    private bool _closeReceived;
    private bool _lost;
    private ushort _peerCode = WebSocketCloseCode.Abnormal;
    private string _peerReason = "";
    private ushort? _sentCode;
    private string? _error;
    private IDelayedCall? _closeTimer;
    private IDelayedCall? _resumeCall;

    /// <summary>Makes a connection without extensions (e.g. for tests on a StringTransport).</summary>
    /// <param name="isClient">True on the client side (frames sent masked, frames received unmasked).</param>
    /// <param name="time">The connection's reactor (close timeout).</param>
    /// <param name="options">Settings; null: the defaults.</param>
    public WebSocketProtocol(bool isClient, IReactorTime time, WebSocketOptions? options = null)
        : this(isClient, time, options, null, null)
    {
    }

    internal WebSocketProtocol(bool isClient, IReactorTime time, WebSocketOptions? options, string? subprotocol, PerMessageDeflate? deflate)
    {
        ArgumentNullException.ThrowIfNull(time);
        IsClient = isClient;
        _time = time;
        _options = options ?? WebSocketOptions.Default;
        _parser = new WebSocketFrameParser(!isClient, _options.MaxFrameSize, _options.MaxMessageSize) { AllowCompression = deflate is not null };
        _deflate = deflate;
        Subprotocol = subprotocol;
    }

    /// <summary>Every whole message received. Attach it before the first message is due; until then reading waits.</summary>
    public event WebSocketMessageHandler? MessageReceived
    {
        add
        {
            _messageReceived += value;
            if (value is not null && _pending.Length > 0 && !_lost)
            {
                _resumeCall ??= _time.CallLater(TimeSpan.Zero, () =>
                {
                    _resumeCall = null;
                    ProcessPending();
                });
            }
        }

        remove => _messageReceived -= value;
    }

    /// <summary>Whether this is the client side.</summary>
    public bool IsClient { get; }

    /// <summary>The subprotocol both sides agreed on, or null.</summary>
    public string? Subprotocol { get; }

    /// <summary>Whether permessage-deflate is in use.</summary>
    public bool IsCompressed => _deflate is not null;

    /// <summary>Whether messages can still be sent (no close frame sent yet and the connection is up).</summary>
    public bool IsOpen => !_closeSent && !_lost;

    /// <summary>Fires once the TCP connection is gone, with the close code and whether the close was clean.</summary>
    public Deferred<WebSocketCloseInfo> WhenClosed { get; } = new();

    /// <summary>Sends a text message.</summary>
    public void SendText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            Send(WebSocketMessageType.Text, bytes.AsSpan(0, Encoding.UTF8.GetBytes(text, bytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Sends a binary message.</summary>
    public void SendBinary(ReadOnlySpan<byte> data) => Send(WebSocketMessageType.Binary, data);

    /// <summary>Sends a message; text must be UTF-8 (not checked on send).</summary>
    /// <exception cref="InvalidOperationException">The close handshake has started or the connection is gone.</exception>
    public void Send(WebSocketMessageType type, ReadOnlySpan<byte> payload)
    {
        if (!IsOpen)
        {
            throw new InvalidOperationException("The WebSocket is closing or closed: no more messages can be sent.");
        }

        var opcode = type == WebSocketMessageType.Text ? WebSocketOpcode.Text : WebSocketOpcode.Binary;
        var compressed = false;
        if (_deflate is not null && payload.Length >= MinimumCompressedSize)
        {
            payload = _deflate.Compress(payload);
            compressed = true;
        }

        var fragment = _options.SendFragmentSize;
        if (fragment <= 0 || payload.Length <= fragment)
        {
            SendFrame(opcode, fin: true, compressed, payload);
            return;
        }

        var first = true;
        while (payload.Length > 0)
        {
            var n = Math.Min(fragment, payload.Length);
            SendFrame(first ? opcode : WebSocketOpcode.Continuation, fin: n == payload.Length, compressed && first, payload[..n]);
            payload = payload[n..];
            first = false;
        }
    }

    /// <summary>Sends a ping; the Deferred fires when the matching pong arrives, fails if the connection goes first.</summary>
    /// <param name="payload">At most 125 bytes; empty: 4 random bytes.</param>
    public Deferred<Unit> Ping(ReadOnlySpan<byte> payload = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, 125, nameof(payload));
        if (!IsOpen)
        {
            return Deferred.Fail<Unit>(new InvalidOperationException("The WebSocket is closing or closed: cannot ping."));
        }

        var data = payload.IsEmpty ? BitConverter.GetBytes(NextRandom()) : payload.ToArray();
        var done = new Deferred<Unit>();
        _pings.Enqueue((data, done));
        SendFrame(WebSocketOpcode.Ping, true, false, data);
        return done;
    }

    /// <summary>Starts the close handshake (RFC 6455 section 7.1.2); <see cref="WhenClosed"/> fires when it ends.</summary>
    /// <param name="code">1000, or another code allowed on the wire.</param>
    /// <param name="reason">At most 123 bytes of UTF-8.</param>
    public void Close(ushort code = WebSocketCloseCode.Normal, string reason = "")
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (!WebSocketCloseCode.IsValidOnWire(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "This close code may not be sent (RFC 6455 section 7.4).");
        }

        if (Encoding.UTF8.GetByteCount(reason) > 123)
        {
            throw new ArgumentException("A close reason is at most 123 bytes of UTF-8.", nameof(reason));
        }

        if (_closeSent || _lost)
        {
            return;
        }

        SendClose(code, reason);
        StartCloseTimer();
    }

    /// <summary>The server is stopping: starts the close handshake with 1001 (going away) if it has not started.</summary>
    void IServerShutdownListener.ServerShuttingDown() => Close(WebSocketCloseCode.GoingAway, "The server is shutting down.");

    /// <inheritdoc/>
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_failed || _lost)
        {
            return;
        }

        if (_pending.Length == 0 && !_processing)
        {
            var used = Process(data);
            if (used < data.Length && !_failed)
            {
                _pending.Append(data[used..]);
            }
        }
        else
        {
            _pending.Append(data);
            ProcessPending();
        }

        UpdateReadPause();
    }

    /// <inheritdoc/>
    public override void ConnectionLost(Exception reason)
    {
        _lost = true;
        _closeTimer?.Cancel();
        _closeTimer = null;
        if (_resumeCall is { Active: true })
        {
            _resumeCall.Cancel();
        }

        _parser.Dispose();
        _deflate?.Dispose();
        _pending.Release();

        while (_pings.TryDequeue(out var ping))
        {
            ping.Done.Errback(new ConnectionLostException("The WebSocket connection closed before the pong arrived."));
        }

        WhenClosed.Callback(new WebSocketCloseInfo(_closeReceived ? _peerCode : WebSocketCloseCode.Abnormal, _peerReason, _closeSent && _closeReceived)
        {
            SentCode = _sentCode,
            Error = _error,
        });
    }

    /// <summary>Registers a producer of outgoing data with the TCP transport: it is paused while the peer reads slowly.</summary>
    public void RegisterProducer(IProducer producer, bool streaming) => Transport.RegisterProducer(producer, streaming);

    /// <summary>Unregisters the producer.</summary>
    public void UnregisterProducer() => Transport.UnregisterProducer();

    /// <summary>Sends <paramref name="data"/> as one binary message (IConsumer).</summary>
    public void Write(ReadOnlySpan<byte> data) => SendBinary(data);

    /// <summary>Stops delivering messages; the socket stops being read once the buffer is full.</summary>
    public void PauseProducing()
    {
        _paused = true;
        UpdateReadPause();
    }

    /// <summary>Delivers messages again.</summary>
    public void ResumeProducing()
    {
        if (!_paused)
        {
            return;
        }

        _paused = false;
        ProcessPending();
        UpdateReadPause();
    }

    /// <summary>Drops the connection.</summary>
    public void StopProducing()
    {
        if (!_lost)
        {
            Transport.AbortConnection();
        }
    }

    internal void DeliverInitial(ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty)
        {
            DataReceived(data);
        }
    }

    private bool Waiting => _paused || _messageReceived is null;

    private void ProcessPending()
    {
        if (_processing || _failed || _lost || _pending.Length == 0)
        {
            return;
        }

        var used = Process(_pending.Span);
        if (!_pending.HasBuffer)
        {
            return; // released while processing: the connection was lost
        }

        _pending.Consume(used);
        UpdateReadPause();
    }

    private int Process(ReadOnlySpan<byte> input)
    {
        _processing = true;
        var pos = 0;
        try
        {
            while (!_failed && !_lost && !Waiting && pos < input.Length)
            {
                var result = _parser.Parse(input[pos..], out var consumed);
                pos += consumed;
                if (result == WebSocketParseResult.NeedMoreData)
                {
                    break;
                }

                if (result == WebSocketParseResult.Message)
                {
                    DeliverMessage();
                }
                else
                {
                    HandleControl();
                }
            }
        }
        catch (WebSocketProtocolException e)
        {
            Fail(e.CloseCode, e.Message);
            pos = input.Length;
        }
        finally
        {
            _processing = false;
        }

        return pos;
    }

    private void DeliverMessage()
    {
        var type = _parser.Opcode == WebSocketOpcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
        var payload = _parser.Payload;
        if (_parser.Compressed)
        {
            payload = _deflate!.Decompress(payload, _options.MaxMessageSize);
            if (type == WebSocketMessageType.Text && !System.Text.Unicode.Utf8.IsValid(payload))
            {
                throw new WebSocketProtocolException(WebSocketCloseCode.InvalidPayload, "A compressed text message is not valid UTF-8.");
            }
        }

        if (_closeReceived)
        {
            return;
        }

        _messageReceived?.Invoke(this, type, payload);
    }

    private void HandleControl()
    {
        var payload = _parser.Payload;
        switch (_parser.Opcode)
        {
            case WebSocketOpcode.Ping:
                if (!_closeSent)
                {
                    SendFrame(WebSocketOpcode.Pong, true, false, payload);
                }

                break;
            case WebSocketOpcode.Pong:
                foreach (var (data, _) in _pings)
                {
                    if (payload.SequenceEqual(data))
                    {
                        // A pong answers its ping and every earlier one (section 5.5.3).
                        while (_pings.TryDequeue(out var ping))
                        {
                            ping.Done.Callback(Unit.Value);
                            if (ping.Payload == data)
                            {
                                break;
                            }
                        }

                        break;
                    }
                }

                break;
            case WebSocketOpcode.Close:
                _closeReceived = true;
                if (payload.Length >= 2)
                {
                    _peerCode = BinaryPrimitives.ReadUInt16BigEndian(payload);
                    _peerReason = Encoding.UTF8.GetString(payload[2..]);
                }
                else
                {
                    _peerCode = WebSocketCloseCode.NoStatus;
                }

                if (!_closeSent)
                {
                    // Echo the code (section 5.5.1); an empty close is answered with an empty close.
                    SendClose(payload.Length >= 2 ? _peerCode : (ushort)0, "");
                }

                _failed = true;
                if (IsClient)
                {
                    // The server closes TCP first (section 7.1.1); do it ourselves if it does not.
                    StartCloseTimer();
                }
                else
                {
                    _closeTimer?.Cancel();
                    _closeTimer = null;
                    Transport.LoseConnection();
                }

                break;
        }
    }

    private void Fail(ushort code, string message)
    {
        _failed = true;
        _error ??= $"{code}: {message}";
        if (!_closeSent && !_lost)
        {
            var reason = message.Length > 60 ? message[..60] : message;
            SendClose(code, reason);
        }

        if (_lost)
        {
            return;
        }

        if (IsClient)
        {
            // The server closes TCP first (section 7.1.1). Closing now, with the rest of a refused message unread,
            // would make the kernel send RST, and the server could lose our close frame (Kestrel does); so the
            // client keeps reading, and discarding, until the server closes or the close timeout aborts.
            StartCloseTimer();
            return;
        }

        _closeTimer?.Cancel();
        _closeTimer = null;
        Transport.LoseConnection();
    }

    private void SendClose(ushort code, string reason)
    {
        _closeSent = true;
        _sentCode = code == 0 ? WebSocketCloseCode.NoStatus : code;
        Span<byte> payload = stackalloc byte[125];
        var n = 0;
        if (code != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, code);
            n = 2 + Encoding.UTF8.GetBytes(reason, payload[2..]);
        }

        SendFrame(WebSocketOpcode.Close, true, false, payload[..n]);
    }

    private void StartCloseTimer()
    {
        if (_closeTimer is { Active: true } || _lost)
        {
            return;
        }

        _closeTimer = _time.CallLater(_options.CloseTimeout, () =>
        {
            _closeTimer = null;
            if (!_lost)
            {
                // The peer did not finish the handshake in time: drop the connection (the close is not clean).
                Transport.AbortConnection();
            }
        });
    }

    private void SendFrame(WebSocketOpcode opcode, bool fin, bool rsv1, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[WebSocketFrameFormatter.MaxHeaderLength];
        if (!IsClient)
        {
            var h = WebSocketFrameFormatter.WriteHeader(header, fin, rsv1, opcode, payload.Length, null);
            Transport.Write(header[..h]);
            if (!payload.IsEmpty)
            {
                Transport.Write(payload);
            }

            return;
        }

        var key = NextRandom();
        var n = WebSocketFrameFormatter.WriteHeader(header, fin, rsv1, opcode, payload.Length, key);
        var buffer = ArrayPool<byte>.Shared.Rent(n + payload.Length);
        try
        {
            header[..n].CopyTo(buffer);
            payload.CopyTo(buffer.AsSpan(n));
            WebSocketMask.Apply(buffer.AsSpan(n, payload.Length), key, 0);
            Transport.Write(buffer.AsSpan(0, n + payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private uint NextRandom()
    {
        if (_randomUsed + 4 > _random.Length)
        {
            RandomNumberGenerator.Fill(_random);
            _randomUsed = 0;
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(_random.AsSpan(_randomUsed));
        _randomUsed += 4;
        return value;
    }

    private void UpdateReadPause()
    {
        if (_lost || !Connected)
        {
            return;
        }

        // Read on while below the high water mark so that a close or ping still gets through a short pause.
        var stop = Waiting && _pending.Length > 64 * 1024;
        if (stop && !_readPaused)
        {
            _readPaused = true;
            Transport.PauseProducing();
        }
        else if (!stop && _readPaused && _pending.Length <= 32 * 1024)
        {
            _readPaused = false;
            Transport.ResumeProducing();
        }
    }
}
