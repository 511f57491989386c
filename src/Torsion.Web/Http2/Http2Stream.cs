using Microsoft.Extensions.Logging;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>
/// One request/response exchange of an HTTP/2 connection (RFC 9113 section 5.1): presents the same
/// <see cref="HttpServerRequest"/> and <see cref="HttpServerResponse"/> as HTTP/1.1, buffers the request body under
/// the stream's receive window, and queues the response body until the peer's windows allow it.
/// </summary>
internal sealed class Http2Stream : Http2StreamState, IHttpExchange
{
    private readonly Http2ServerProtocol _connection;
    private readonly HttpServerOptions _options;
    private PendingInput? _received;
    private bool _endStreamQueued;
    private List<(string Name, string Value)>? _trailers;
    private IHttpBodyReceiver? _receiver;
    private bool _bodyPaused;
    private bool _bodyDelivered;
    private IProducer? _producer;
    private bool _producerPaused;

    public Http2Stream(Http2ServerProtocol connection, int id, HttpServerOptions options, int sendWindow)
        : base(id, sendWindow)
    {
        _connection = connection;
        _options = options;
        Head = new HttpRequestHead();
        Request = new HttpServerRequest(this, Head);
        Response = new HttpServerResponse(this, options);
        Response.Reset(Head);
    }

    public HttpRequestHead Head { get; }

    /// <summary>When the last frame for this stream arrived (reactor seconds).</summary>
    public double LastFrame { get; set; }

    /// <summary>The <see cref="Http2Limits.StreamIdleTimeout"/> timer.</summary>
    public Torsion.Reactor.IDelayedCall? IdleTimer { get; set; }

    public HttpServerRequest Request { get; }

    public HttpServerResponse Response { get; }

    public override bool HasPendingSend => QueuedLength > 0 || (_endStreamQueued && !LocalClosed);

    public ITransport Transport => _connection.Transport;

    public ReadOnlySpan<byte> Date => _connection.Date;

    public bool CanKeepAlive() => true;

    public void BeginResponse() => Response.Reset(Head);

    public void StartBody(IHttpBodyReceiver receiver)
    {
        if (LocalClosed || Response.Finished)
        {
            throw new InvalidOperationException("The request body can only be read while the request is in progress.");
        }

        if (_receiver is not null)
        {
            throw new InvalidOperationException("The request body is already being read.");
        }

        _receiver = receiver;
        Deliver();
    }

    public void PauseBody() => _bodyPaused = true;

    public void ResumeBody()
    {
        if (!_bodyPaused)
        {
            return;
        }

        _bodyPaused = false;
        Deliver();
    }

    public void ResponseFinished(HttpServerResponse response)
    {
        if (_options.AccessLog is { } log)
        {
            try
            {
                log.Log(Request, response.StatusCode, response.BodyBytesSent);
            }
            catch (Exception e)
            {
                _options.Logger?.LogError(e, "The access log failed for {Request}", Request);
            }
        }
    }

    /// <summary>Body bytes arrived (already counted against the windows).</summary>
    public override void DataReceived(ReadOnlySpan<byte> data, int flowControlled)
    {
        // Padding is credited back at once: only data waits for the application.
        var padding = flowControlled - data.Length;
        if (padding > 0)
        {
            _connection.Consumed(this, padding);
        }

        if (data.IsEmpty)
        {
            return;
        }

        if (_receiver is not null && !_bodyPaused && _received is not { Length: > 0 })
        {
            _receiver.BodyDataReceived(data);
            _connection.Consumed(this, data.Length);
            return;
        }

        (_received ??= new PendingInput()).Append(data);
    }

    /// <summary>The client ended the body.</summary>
    public override void BodyEnded() => Deliver();

    /// <summary>The stream ends without a complete body (reset, connection lost).</summary>
    public override void Fail(Exception reason)
    {
        var receiver = _receiver;
        _receiver = null;
        if (receiver is not null && !_bodyDelivered)
        {
            _bodyDelivered = true;
            receiver.BodyFailed(reason);
        }

        LocalClosed = true;
        DropQueued();
        Response.ConnectionLost(reason);
        if (_producer is not null)
        {
            _producer.StopProducing();
            _producer = null;
        }
    }

    /// <summary>Bytes of unread body kept: credited back to the connection when the stream goes away.</summary>
    public override int UnreadBodyBytes => _received?.Length ?? 0;

    public void AddTrailer(string name, string value) => (_trailers ??= []).Add((name.ToLowerInvariant(), value));

    public void SendHead(int status, ReadOnlySpan<byte> headerLines, long contentLength, bool hasServer, bool hasDate, bool endStream)
    {
        if (LocalClosed)
        {
            return;
        }

        var trailers = endStream && _trailers is { Count: > 0 };
        _connection.WriteResponseHead(this, status, headerLines, contentLength, hasServer, hasDate, endStream && !trailers);
        if (trailers)
        {
            _endStreamQueued = true;
            Pump();
        }
        else if (endStream)
        {
            LocalClosed = true;
            _connection.StreamLocalClosed(this);
        }
    }

    public void SendData(ReadOnlySpan<byte> data, bool endStream)
    {
        if (LocalClosed)
        {
            return;
        }

        if (FitsNow(_connection, data.Length)
            && (!endStream || _trailers is not { Count: > 0 }))
        {
            // The common case: the windows allow it all, so no copy into the queue.
            _connection.WriteData(this, data, endStream);
            SendWindow -= data.Length;
            if (endStream)
            {
                LocalClosed = true;
                _connection.StreamLocalClosed(this);
            }

            return;
        }

        if (!data.IsEmpty)
        {
            Queue(data);
        }

        _endStreamQueued |= endStream;
        Pump();
        if (_producer is not null && !_producerPaused && QueuedLength > 64 * 1024)
        {
            _producerPaused = true;
            (_producer as IPushProducer)?.PauseProducing();
        }
    }

    /// <summary>Sends what the windows allow.</summary>
    public override void Pump()
    {
        if (LocalClosed)
        {
            return;
        }

        if (SendQueued(_connection, _endStreamQueued && _trailers is not { Count: > 0 }))
        {
            LocalClosed = true;
            _connection.StreamLocalClosed(this);
            return;
        }

        if (QueuedLength == 0)
        {
            if (_endStreamQueued)
            {
                if (_trailers is { Count: > 0 })
                {
                    _connection.WriteTrailers(this, _trailers);
                }
                else
                {
                    _connection.WriteData(this, default, endStream: true);
                }

                LocalClosed = true;
                _connection.StreamLocalClosed(this);
                return;
            }

            if (_producer is not null && _producerPaused)
            {
                _producerPaused = false;
                Resume(_producer);
            }
        }
    }

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        if (_producer is not null)
        {
            throw new InvalidOperationException("A producer is already registered with this response.");
        }

        _producer = producer;
        if (!streaming)
        {
            // A pull producer: ask for the next piece whenever the queue has drained.
            Resume(producer);
        }
    }

    private static void Resume(IProducer producer)
    {
        switch (producer)
        {
            case IPushProducer push:
                push.ResumeProducing();
                break;
            case IPullProducer pull:
                pull.ResumeProducing();
                break;
        }
    }

    public void UnregisterProducer()
    {
        _producer = null;
        _producerPaused = false;
    }

    private void Deliver()
    {
        var receiver = _receiver;
        if (receiver is null || _bodyDelivered)
        {
            return;
        }

        while (_received is { Length: > 0 } && !_bodyPaused && _receiver is not null)
        {
            var chunk = _received.Take(16 * 1024);
            receiver.BodyDataReceived(chunk);
            _connection.Consumed(this, chunk.Length);
        }

        if (_received is not { Length: > 0 })
        {
            if (RemoteClosed && !_bodyPaused && !_bodyDelivered)
            {
                _bodyDelivered = true;
                receiver.BodyCompleted();
            }
        }
    }
}
