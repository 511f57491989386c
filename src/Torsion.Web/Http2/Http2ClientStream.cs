using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Client;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>
/// One request of an <see cref="Http2ClientProtocol"/>: sends the request body under the peer's windows (pausing its
/// producer while more than 64 KiB wait), and delivers the response body to its reader, crediting the stream window
/// only as the reader takes bytes, so a paused reader stops the server on this stream.
/// </summary>
internal sealed class Http2ClientStream : Http2StreamState, IConsumer, IResponseBody
{
    /// <summary>Request body bytes queued for window before the producer is paused: 64 KiB.</summary>
    public const int SendBufferLimit = 64 * 1024;

    private readonly Http2ClientProtocol _connection;
    private bool _endStreamQueued;
    private IProducer? _producer;
    private bool _producerPaused;
    private PendingInput? _received;
    private IProtocol? _reader;
    private Http2BodyTransport? _readerTransport;
    private bool _bodyFinished;
    private Exception? _failure;

    public Http2ClientStream(Http2ClientProtocol connection, int id, long sendWindow, HttpRequestSpec request, Deferred<HttpResponse> response)
        : base(id, sendWindow)
    {
        _connection = connection;
        Request = request;
        ResponseDeferred = response;
    }

    public HttpRequestSpec Request { get; }

    /// <summary>Fires with the response head; null once fired.</summary>
    public Deferred<HttpResponse>? ResponseDeferred { get; private set; }

    /// <summary>The response, once its head arrived.</summary>
    public HttpResponse? Response { get; private set; }

    public IDelayedCall? Timer { get; set; }

    /// <summary>The response body is kept even after the request ended: the request side closing first is the normal case.</summary>
    public override bool DiscardsData => false;

    public override bool HasPendingSend => QueuedLength > 0 || (_endStreamQueued && !LocalClosed);

    public override int UnreadBodyBytes => _received?.Length ?? 0;

    /// <summary>The response head arrived: fire the request's Deferred.</summary>
    public void HeadReceived(HttpResponse response)
    {
        CancelTimer();
        Response = response;
        var deferred = ResponseDeferred;
        ResponseDeferred = null;
        deferred?.Callback(response);
    }

    /// <summary>Forgets the response Deferred (it was cancelled).</summary>
    public void DetachResponse() => ResponseDeferred = null;

    /// <summary>The request body is complete: END_STREAM once the queue drains.</summary>
    public void FinishBody()
    {
        if (LocalClosed)
        {
            return;
        }

        _endStreamQueued = true;
        Pump();
    }

    /// <summary>Resets the stream with CANCEL (the caller gave up) and fails what is still waiting.</summary>
    public void Cancel(string why) => _connection.CancelStream(this, new ResponseFailedException($"{why} ({Request.Method} {Request.Uri})."));

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        if (_producer is not null)
        {
            throw new InvalidOperationException("A producer is already registered with this request body.");
        }

        _producer = producer;
        if (!streaming && producer is IPullProducer pull)
        {
            pull.ResumeProducing();
        }
    }

    public void UnregisterProducer()
    {
        _producer = null;
        _producerPaused = false;
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (LocalClosed || data.IsEmpty)
        {
            return;
        }

        if (FitsNow(_connection, data.Length))
        {
            _connection.WriteData(this, data, endStream: false);
            SendWindow -= data.Length;
            return;
        }

        Queue(data);
        Pump();
        if (_producer is IPushProducer push && !_producerPaused && QueuedLength > SendBufferLimit)
        {
            _producerPaused = true;
            push.PauseProducing();
        }
    }

    public override void Pump()
    {
        if (LocalClosed)
        {
            return;
        }

        if (SendQueued(_connection, _endStreamQueued))
        {
            LocalEnded();
            return;
        }

        if (QueuedLength == 0)
        {
            if (_endStreamQueued)
            {
                _connection.WriteData(this, default, endStream: true);
                LocalEnded();
                return;
            }

            if (_producer is not null && _producerPaused)
            {
                _producerPaused = false;
                switch (_producer)
                {
                    case IPushProducer push:
                        push.ResumeProducing();
                        break;
                    case IPullProducer pull:
                        pull.ResumeProducing();
                        break;
                }
            }
        }
    }

    public override void DataReceived(ReadOnlySpan<byte> data, int flowControlled)
    {
        if (Response is null)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, Id, $"DATA on stream {Id} before the response head.");
        }

        var padding = flowControlled - data.Length;
        if (padding > 0)
        {
            _connection.Consumed(this, padding);
        }

        if (data.IsEmpty)
        {
            return;
        }

        if (_reader is not null && !_readerTransport!.Paused && _received is not { Length: > 0 })
        {
            _reader.DataReceived(data);
            _connection.Consumed(this, data.Length);
            return;
        }

        // Kept until the reader takes it; the stream window (not credited meanwhile) bounds this buffer.
        (_received ??= new PendingInput()).Append(data);
    }

    public override void BodyEnded()
    {
        if (!LocalClosed)
        {
            // The response is complete before the request body was (RFC 9113 section 8.1): stop sending it.
            StopUpload();
            _connection.WriteReset(Id, Http2ErrorCode.NoError);
        }

        Deliver();
    }

    public override void Fail(Exception reason)
    {
        CancelTimer();
        StopUpload();
        LocalClosed = true;
        var error = reason is ResponseFailedException or ResponseNeverReceivedException or RequestNotProcessedException or TimeoutException
            ? reason
            : new ResponseFailedException($"The HTTP/2 stream of {Request.Method} {Request.Uri} failed: {reason.Message}", reason);
        var deferred = ResponseDeferred;
        ResponseDeferred = null;
        if (deferred is { Called: false })
        {
            deferred.Errback(error);
            return;
        }

        _failure ??= error;
        Finish(_failure);
    }

    public void Deliver(IProtocol protocol)
    {
        _reader = protocol;
        _readerTransport = new Http2BodyTransport(this, _connection.Transport);
        protocol.MakeConnection(_readerTransport);
        Deliver();
    }

    public void ResumeBody() => Deliver();

    /// <summary>The request side is done: stop the body producer and drop what is queued.</summary>
    public void StopUpload()
    {
        LocalClosed = true;
        DropQueued();
        _endStreamQueued = false;
        var producer = _producer;
        _producer = null;
        producer?.StopProducing();
    }

    public void CancelTimer()
    {
        if (Timer is { } timer)
        {
            Timer = null;
            if (timer.Active)
            {
                timer.Cancel();
            }
        }
    }

    private void LocalEnded()
    {
        LocalClosed = true;
        _connection.StreamLocalEnded(this);
    }

    private void Deliver()
    {
        var reader = _reader;
        if (reader is null || _bodyFinished)
        {
            return;
        }

        while (_received is { Length: > 0 } && !_readerTransport!.Paused && !_bodyFinished)
        {
            var chunk = _received.Take(16 * 1024);
            reader.DataReceived(chunk);
            _connection.Consumed(this, chunk.Length);
        }

        if (_received is not { Length: > 0 })
        {
            if (_failure is not null)
            {
                Finish(_failure);
            }
            else if (RemoteClosed && !_readerTransport!.Paused)
            {
                Finish(new ResponseDoneException());
            }
        }
    }

    private void Finish(Exception reason)
    {
        if (_reader is not { } reader || _bodyFinished)
        {
            return;
        }

        _bodyFinished = true;
        reader.ConnectionLost(reason);
    }
}
