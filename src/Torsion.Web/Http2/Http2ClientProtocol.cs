using System.Globalization;
using System.Text;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Client;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>
/// The HTTP/2 client side of one connection (RFC 9113), as <see cref="Agent"/> uses it: the preface and SETTINGS
/// (push disabled), many requests as concurrent streams up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (more
/// wait in order), request bodies under the server's windows, response bodies credited as they are read, trailers,
/// RST_STREAM CANCEL when a caller gives up, and GOAWAY: streams the server did not process fail with
/// <see cref="RequestNotProcessedException"/> (the agent sends them again on a new connection).
/// </summary>
internal sealed partial class Http2ClientProtocol : Http2Connection, IHpackHeaderReceiver
{
    private readonly AgentOptions _options;
    private readonly string _scheme;
    private readonly LinkedList<(HttpRequestSpec Request, Deferred<HttpResponse> Response, IDelayedCall? Timer)> _waiting = [];
    private int _nextStreamId = 1;
    private long _peerMaxConcurrentStreams = 100;
    private bool _lost;

    // Header list decoding.
    private readonly List<KeyValuePair<string, string>> _fields = [];
    private string? _status;
    private string? _malformed;
    private bool _regularSeen;
    private bool _decodingTrailers;

    public Http2ClientProtocol(IReactorTime time, AgentOptions options, string scheme)
        : base(time, options.Http2, logger: null)
    {
        _options = options;
        _scheme = scheme;
    }

    /// <summary>Called once when the connection can take no new request (GOAWAY, error, closed).</summary>
    public Action<Http2ClientProtocol>? Unusable { get; set; }

    /// <summary>Why the connection ended, once it has (lost, or closed for a connection error); null while it runs.</summary>
    internal string? EndReason { get; private set; }

    /// <summary>Whether new requests may be sent on this connection.</summary>
    public bool IsUsable => !_lost && !Closing && !GoAwaySent && _nextStreamId < int.MaxValue - 2;

    /// <summary>Requests waiting for a stream (beyond the server's concurrent stream limit).</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Whether a new request would get a stream at once (usable, below the server's stream limit, none queued).</summary>
    public bool HasFreeStream => IsUsable && _waiting.Count == 0 && Streams.Count < _peerMaxConcurrentStreams;

    /// <summary>Open streams plus queued requests: how busy the connection is.</summary>
    public int Load => Streams.Count + _waiting.Count;

    /// <summary>Called once when the server's first SETTINGS were applied (its stream limit is known from then on).</summary>
    public Action<Http2ClientProtocol>? SettingsReady { get; set; }

    /// <summary>
    /// Called when streams may have become free: a stream left the connection, or the server's SETTINGS (its stream
    /// limit) changed; requests queued on this connection have taken their streams first.
    /// </summary>
    public Action<Http2ClientProtocol>? CapacityFreed { get; set; }

    /// <summary>The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until it says otherwise).</summary>
    public long PeerMaxConcurrentStreams => _peerMaxConcurrentStreams;

    public override void ConnectionMade()
    {
        Transport.Write(Http2ServerProtocol.Preface);
        WriteSettings(
        [
            (Http2SettingId.EnablePush, 0),
            (Http2SettingId.InitialWindowSize, (uint)Limits.InitialStreamWindowSize),
            (Http2SettingId.HeaderTableSize, (uint)Limits.HeaderTableSize),
            (Http2SettingId.MaxHeaderListSize, (uint)Limits.MaxHeaderListSize),
        ]);
        Emit();
        ArmIdleTimer();
    }

    /// <summary>Sends <paramref name="request"/> on a new stream, or queues it while the server's stream limit is reached.</summary>
    public Deferred<HttpResponse> Request(HttpRequestSpec request)
    {
        if (!IsUsable)
        {
            return Deferred.Fail<HttpResponse>(new RequestNotProcessedException($"The HTTP/2 connection for {request.Method} {request.Uri} takes no new requests (closed or going away)."));
        }

        LinkedListNode<(HttpRequestSpec, Deferred<HttpResponse>, IDelayedCall?)>? node = null;
        var response = new Deferred<HttpResponse>(d =>
        {
            if (node?.List is not null)
            {
                CancelTimer(node.Value.Item3);
                _waiting.Remove(node);
                return;
            }

            // The caller gave up before the head arrived: reset the stream (the Deferred itself fails as cancelled).
            if (Streams.Values.OfType<Http2ClientStream>().FirstOrDefault(s => s.ResponseDeferred == d) is { } stream)
            {
                stream.DetachResponse();
                CancelStream(stream, new ResponseFailedException($"{request.Method} {request.Uri} was cancelled."));
            }
        });
        if (Streams.Count >= _peerMaxConcurrentStreams)
        {
            // The response timeout counts the wait for a stream too.
            IDelayedCall? timer = _options.ResponseTimeout is { } timeout
                ? Time.CallLater(timeout, () =>
                {
                    if (node?.List is not null)
                    {
                        _waiting.Remove(node);
                        response.Errback(new TimeoutException($"No response to {request.Method} {request.Uri} within {timeout.TotalSeconds:0.###} s (it waited for a free HTTP/2 stream all that time)."));
                    }
                })
                : null;
            node = _waiting.AddLast((request, response, timer));
            return response;
        }

        Open(request, response);
        return response;
    }

    /// <summary>Closes the connection if no stream is open (the pool's idle close).</summary>
    public void CloseIfUnused()
    {
        if (Streams.Count == 0 && _waiting.Count == 0 && !Closing)
        {
            SendGoAway(Http2ErrorCode.NoError, "Idle.");
            Closing = true;
            MarkUnusable();
            Transport.LoseConnection();
        }
    }

    public override void ConnectionLost(Exception reason)
    {
        EndReason ??= reason.Message;
        _lost = true;
        Closing = true;
        CancelIdleTimer();
        CancelSettingsTimer();
        foreach (var stream in Streams.Values.ToArray())
        {
            stream.Fail(((Http2ClientStream)stream).Response is null
                ? new ResponseNeverReceivedException($"The HTTP/2 connection closed before the response to stream {stream.Id}: {reason.Message}", reason)
                : new ResponseFailedException($"The HTTP/2 connection closed during the response body of stream {stream.Id}: {reason.Message}", reason));
        }

        Streams.Clear();
        FailWaiting(() => new RequestNotProcessedException($"The HTTP/2 connection closed before the request was sent: {reason.Message}", reason));
        MarkUnusable();
    }

    internal void WriteReset(int id, Http2ErrorCode code)
    {
        Http2FrameWriter.WriteRstStream(Output, id, code);
        Emit();
    }

    /// <summary>The caller (or the body reader) gave up on <paramref name="stream"/>: RST_STREAM CANCEL.</summary>
    internal void CancelStream(Http2ClientStream stream, Exception reason)
    {
        if (!Streams.ContainsKey(stream.Id))
        {
            return;
        }

        WriteReset(stream.Id, Http2ErrorCode.Cancel);
        stream.Fail(reason);
        RemoveStream(stream);
    }

    /// <summary>The request side of <paramref name="stream"/> ended (END_STREAM sent).</summary>
    internal void StreamLocalEnded(Http2ClientStream stream)
    {
        if (stream.RemoteClosed)
        {
            RemoveStream(stream);
            CloseIfIdle();
        }
    }

    private protected override int ReadPreface(ReadOnlySpan<byte> input) => 0;

    private protected override void CheckFrame(in Http2FrameHeader header)
    {
        if (!SettingsReceived && (header.Type != Http2FrameType.Settings || header.StreamId != 0 || header.Has(Http2FrameFlags.Ack)))
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "The server did not start with a SETTINGS frame: it does not speak HTTP/2 (an HTTP/1.1 server reached with prior knowledge?).");
        }

        if (header.Type == Http2FrameType.PushPromise)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, "The server sent PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0.");
        }
    }

    private protected override void CheckNewStream(int id)
    {
        if ((id & 1) == 0)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"The server opened stream {id}; a server may not open streams without push.");
        }

        if (id > LastStreamId)
        {
            throw Http2Exception.Connection(Http2ErrorCode.ProtocolError, $"HEADERS on idle stream {id}.");
        }

        // A stream this side reset or ended: the block is still decoded to keep the HPACK context in step, then dropped.
    }

    private protected override void StreamReset(int id, Http2ErrorCode code)
    {
        if (!Streams.TryGetValue(id, out var found))
        {
            return;
        }

        var stream = (Http2ClientStream)found;
        if (code == Http2ErrorCode.NoError && stream.RemoteClosed)
        {
            // The response is complete; the server does not want the rest of the request body (RFC 9113 section 8.1).
            stream.StopUpload();
            RemoveStream(stream);
            CloseIfIdle();
            return;
        }

        stream.Fail(code == Http2ErrorCode.RefusedStream
            ? new RequestNotProcessedException($"The server refused stream {id} of {stream.Request.Method} {stream.Request.Uri} (REFUSED_STREAM): it was not processed.")
            : new ResponseFailedException($"The server reset stream {id} of {stream.Request.Method} {stream.Request.Uri} ({code})."));
        RemoveStream(stream);
        CloseIfIdle();
    }

    // A client processes no stream the server opens (push is disabled): its GOAWAY names stream 0.
    private protected override int GoAwayLastStreamId => 0;

    /// <summary>
    /// GOAWAY may come twice in a graceful shutdown (RFC 9113 section 6.8): a first one with 2^31-1 takes no new request
    /// (they go to a new connection) while the streams already sent go on; a later one with a lower id fails the streams
    /// above it as not processed (<see cref="Agent"/> sends them again).
    /// </summary>
    private protected override void GoAwayReceived(int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debug)
    {
        GoAwaySent = true;
        MarkUnusable();
        var text = debug.IsEmpty ? "" : $": {Encoding.UTF8.GetString(debug)}";
        foreach (var stream in Streams.Values.Where(s => s.Id > lastStreamId).ToArray())
        {
            var request = ((Http2ClientStream)stream).Request;
            stream.Fail(new RequestNotProcessedException($"The server sent GOAWAY ({code}{text}) with last stream {lastStreamId}: {request.Method} {request.Uri} on stream {stream.Id} was not processed."));
            RemoveStream(stream);
        }

        FailWaiting(() => new RequestNotProcessedException($"The server sent GOAWAY ({code}{text}) before the request was sent."));
        CloseIfIdle();
    }

    private protected override void SettingReceived(Http2SettingId id, uint value)
    {
        if (id == Http2SettingId.MaxConcurrentStreams)
        {
            _peerMaxConcurrentStreams = value;
        }
    }

    private protected override void SettingsApplied()
    {
        StartWaiting();
        if (SettingsReady is { } ready)
        {
            SettingsReady = null;
            ready(this);
            return;
        }

        CapacityFreed?.Invoke(this);
    }

    private protected override void StreamRemoved(Http2StreamState stream)
    {
        ((Http2ClientStream)stream).CancelTimer();
        StartWaiting();
        CapacityFreed?.Invoke(this);
        if (Streams.Count == 0 && _waiting.Count == 0)
        {
            ArmIdleTimer();
        }
    }

    private protected override void Closed()
    {
        EndReason ??= ConnectionErrorMessage is { } message ? $"{GoAwayCode}: {message}" : GoAwayCode?.ToString();
        CancelIdleTimer();
        MarkUnusable();
        FailWaiting(() => new ResponseFailedException($"The HTTP/2 connection failed ({EndReason}) before the request was sent."));
    }

    private Http2ClientStream Open(HttpRequestSpec request, Deferred<HttpResponse> response)
    {
        CancelIdleTimer();
        var id = _nextStreamId;
        _nextStreamId += 2;
        LastStreamId = id;
        var stream = new Http2ClientStream(this, id, PeerInitialWindow, request, response) { ReceiveWindow = Limits.InitialStreamWindowSize };
        Streams.Add(id, stream);
        var body = request.Body;
        WriteHead(stream, endStream: body is null);
        if (_options.ResponseTimeout is { } timeout)
        {
            stream.Timer = Time.CallLater(timeout, () =>
            {
                stream.Timer = null;
                if (stream.Response is null && Streams.ContainsKey(id))
                {
                    WriteReset(id, Http2ErrorCode.Cancel);
                    stream.Fail(new TimeoutException($"No response to {request.Method} {request.Uri} within {timeout.TotalSeconds:0.###} s."));
                    RemoveStream(stream);
                }
            });
        }

        if (body is not null)
        {
            Deferred<Unit> written;
            try
            {
                written = body.StartProducing(stream);
            }
            catch (Exception e)
            {
                written = Deferred.Fail<Unit>(e);
            }

            written.AddBoth(result =>
            {
                if (!Streams.ContainsKey(id) || stream.LocalClosed)
                {
                    return;
                }

                if (result.Success)
                {
                    stream.FinishBody();
                }
                else
                {
                    CancelStream(stream, new ResponseFailedException($"Writing the body of {request.Method} {request.Uri} failed: {result.Error!.Message}", result.Error!));
                }
            });
        }

        return stream;
    }

    private void WriteHead(Http2ClientStream stream, bool endStream)
    {
        var request = stream.Request;
        var block = Block;
        block.ResetWrittenCount();
        Encoder.BeginBlock(block);
        var uri = request.Uri;
        var authority = request.Headers.Get("Host") ?? (uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}");
        Encoder.Encode(block, ":method"u8, Encoding.ASCII.GetBytes(request.Method));
        Encoder.Encode(block, ":scheme"u8, Encoding.ASCII.GetBytes(_scheme));
        Encoder.Encode(block, ":authority"u8, Encoding.Latin1.GetBytes(authority));
        Encoder.Encode(block, ":path"u8, Encoding.Latin1.GetBytes(request.Target.Length == 0 ? "/" : request.Target));
        foreach (var (name, value) in request.Headers)
        {
            var lower = name.ToLowerInvariant();
            if (lower is "host" or "connection" or "keep-alive" or "proxy-connection" or "transfer-encoding" or "upgrade" or "content-length"
                || (lower == "te" && !string.Equals(value.Trim(), "trailers", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            Encoder.Encode(block, Encoding.Latin1.GetBytes(lower), Encoding.Latin1.GetBytes(value), sensitive: lower is "authorization" or "cookie" && value.Length < 20);
        }

        if (request.Body is { Length: { } length })
        {
            Encoder.Encode(block, "content-length"u8, Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
        }
        else if (request.Body is null && request.Method is "POST" or "PUT" or "PATCH")
        {
            Encoder.Encode(block, "content-length"u8, "0"u8);
        }

        Http2FrameWriter.WriteHeaders(Output, stream.Id, block.WrittenSpan, endStream, PeerMaxFrameSize);
        Emit();
        if (endStream)
        {
            stream.StopUpload();
        }
    }

    private void StartWaiting()
    {
        while (_waiting.First is { } first && Streams.Count < _peerMaxConcurrentStreams && IsUsable)
        {
            _waiting.RemoveFirst();
            CancelTimer(first.Value.Timer);
            Open(first.Value.Request, first.Value.Response);
        }
    }

    private void FailWaiting(Func<Exception> error)
    {
        while (_waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            CancelTimer(first.Value.Timer);
            if (!first.Value.Response.Called)
            {
                first.Value.Response.Errback(error());
            }
        }
    }

    private void MarkUnusable()
    {
        var unusable = Unusable;
        Unusable = null;
        unusable?.Invoke(this);
    }

    private void ArmIdleTimer()
    {
        if (Closing || _options.IdleTimeout <= TimeSpan.Zero)
        {
            return;
        }

        CancelIdleTimer();
        ConnectionIdleTimer = Time.CallLater(_options.IdleTimeout, () =>
        {
            ConnectionIdleTimer = null;
            CloseIfUnused();
        });
    }

    private static void CancelTimer(IDelayedCall? timer)
    {
        if (timer is { Active: true })
        {
            timer.Cancel();
        }
    }
}
