using System.Buffers;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.Client;

/// <summary>
/// One HTTP/1.1 client connection (RFC 9112): writes a request, parses its response, and offers itself again for
/// reuse when the response ended cleanly on a persistent connection. One request at a time (no pipelining).
/// </summary>
internal sealed class HttpClientProtocol : Protocol
{
    private readonly IReactorTime _time;
    private readonly TimeSpan? _responseTimeout;
    private readonly HttpResponseParser _parser;
    private readonly ArrayBufferWriter<byte> _head = new(1024);
    private byte[] _pending = [];
    private int _pendingLength;
    private HttpRequestSpec? _request;
    private Deferred<HttpResponse>? _response;
    private ConnectionBody? _body;
    private readonly Action<Deferred<HttpResponse>> _abortOnCancel;
    private readonly Action _abort;
    private readonly Action _timerFired;
    private IDelayedCall? _timer;
    private double _deadline;
    private bool _requestWritten;
    private bool _responseComplete;
    private bool _keepAlive;
    private bool _received;
    private bool _lost;
    private bool _completedInRead;

    public HttpClientProtocol(IReactorTime time, TimeSpan? responseTimeout, HttpParserLimits? limits)
    {
        _time = time;
        _responseTimeout = responseTimeout;
        _parser = new HttpResponseParser(limits);
        _abortOnCancel = _ => Transport.AbortConnection();
        _abort = () => Transport.AbortConnection();
        _timerFired = TimerFired;
    }

    /// <summary>Called when the connection can carry another request.</summary>
    public Action<HttpClientProtocol>? Reusable { get; set; }

    /// <summary>Called once when the connection is gone.</summary>
    public Action<HttpClientProtocol>? Lost { get; set; }

    /// <summary>Whether this connection already carried a request.</summary>
    public bool Reused { get; set; }

    /// <summary>Whether a request is in progress.</summary>
    public bool Busy => _request is not null;

    public bool IsLost => _lost;

    public Deferred<HttpResponse> Request(HttpRequestSpec request)
    {
        if (_request is not null)
        {
            throw new InvalidOperationException("This connection is busy with another request.");
        }

        if (_lost)
        {
            return Deferred.Fail<HttpResponse>(new ResponseNeverReceivedException($"The connection for {request.Method} {request.Uri} was already closed."));
        }

        _request = request;
        _requestWritten = false;
        _responseComplete = false;
        _received = false;
        _keepAlive = false;
        _body = null;
        _parser.ExpectResponseTo(request.Method);
        var response = _response = new Deferred<HttpResponse>(_abortOnCancel);
        WriteHead(request);
        if (request.Body is { } producer)
        {
            Deferred<Unit> written;
            ChunkedBodyConsumer? chunked = producer.Length is null ? new ChunkedBodyConsumer(Transport) : null;
            try
            {
                written = producer.StartProducing(chunked is null ? Transport : chunked);
            }
            catch (Exception e)
            {
                written = Deferred.Fail<Unit>(e);
            }

            written.AddBoth(result =>
            {
                if (result.Success)
                {
                    chunked?.Finish();
                    RequestWritten();
                }
                else if (_request == request)
                {
                    FailResponse(new ResponseFailedException($"Writing the body of {request.Method} {request.Uri} failed: {result.Error!.Message}", result.Error!));
                    Transport.AbortConnection();
                }
            });
        }
        else
        {
            RequestWritten();
        }

        if (_responseTimeout is { } timeout && _response is { Called: false })
        {
            // One timer per connection, not one per request: a request moves the deadline, and a timer that fires
            // early (it was set for an earlier request) sets itself again for the rest.
            _deadline = _time.Seconds() + timeout.TotalSeconds;
            _timer ??= _time.CallLater(timeout, _timerFired);
        }

        return response;
    }

    private void TimerFired()
    {
        _timer = null;
        if (_response is null || _request is not { } request || _lost)
        {
            return;
        }

        var left = _deadline - _time.Seconds();
        if (left > 0.0005)
        {
            _timer = _time.CallLater(TimeSpan.FromSeconds(left), _timerFired);
            return;
        }

        FailResponse(new TimeoutException($"No response to {request.Method} {request.Uri} within {_responseTimeout!.Value.TotalSeconds:0.###} s."));
        Transport.AbortConnection();
    }

    private void WriteHead(HttpRequestSpec request)
    {
        var head = _head;
        head.ResetWrittenCount();
        Append(head, request.Method);
        Append(head, " ");
        Append(head, request.Target);
        Append(head, " HTTP/1.1\r\n");
        if (!request.Headers.Contains("Host"))
        {
            Append(head, "Host: ");
            Append(head, request.Uri.IdnHost);
            if (!request.Uri.IsDefaultPort)
            {
                Append(head, ":");
                request.Uri.Port.TryFormat(head.GetSpan(11), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
                head.Advance(written);
            }

            Append(head, "\r\n");
        }

        foreach (var (name, value) in request.Headers)
        {
            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            Append(head, name);
            Append(head, ": ");
            Append(head, value);
            Append(head, "\r\n");
        }

        if (request.Body is { Length: { } length })
        {
            Append(head, "Content-Length: ");
            Append(head, length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Append(head, "\r\n");
        }
        else if (request.Body is not null)
        {
            Append(head, "Transfer-Encoding: chunked\r\n");
        }
        else if (request.Method is "POST" or "PUT" or "PATCH")
        {
            Append(head, "Content-Length: 0\r\n");
        }

        Append(head, "\r\n");
        Transport.Write(head.WrittenSpan);
    }

    private static void Append(ArrayBufferWriter<byte> writer, string text)
    {
        var n = Encoding.Latin1.GetBytes(text, writer.GetSpan(text.Length));
        writer.Advance(n);
    }

    private void RequestWritten()
    {
        _requestWritten = true;
        MaybeDone();
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_request is null || _responseComplete)
        {
            // A server may not speak unasked (RFC 9112 section 9.3.1 aside from a close); such a connection is unusable.
            Transport.AbortConnection();
            return;
        }

        _received = true;
        _completedInRead = false;
        if (_pendingLength > 0)
        {
            if (_pending.Length < _pendingLength + data.Length)
            {
                Array.Resize(ref _pending, Math.Max(_pendingLength + data.Length, _pending.Length * 2));
            }

            data.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += data.Length;
            var all = _pending.AsSpan(0, _pendingLength);
            var used = Parse(all);
            Keep(all[used..]);
        }
        else
        {
            var used = Parse(data);
            Keep(data[used..]);
        }
    }

    private void Keep(ReadOnlySpan<byte> rest)
    {
        if (_completedInRead && !rest.IsEmpty)
        {
            Transport.AbortConnection();
            _pendingLength = 0;
            return;
        }

        if (_pending.Length < rest.Length)
        {
            _pending = new byte[Math.Max(rest.Length, 4096)];
        }

        rest.CopyTo(_pending);
        _pendingLength = rest.Length;
    }

    private int Parse(ReadOnlySpan<byte> input)
    {
        var offset = 0;
        while (!_responseComplete && !_lost)
        {
            var result = _parser.Parse(input[offset..], out var consumed, out var body);
            offset += consumed;
            switch (result)
            {
                case HttpParseResult.NeedMoreData:
                    return offset;
                case HttpParseResult.HeadComplete:
                    HeadReceived();
                    break;
                case HttpParseResult.BodyData:
                    _body?.Data(body);
                    break;
                case HttpParseResult.MessageComplete:
                    ResponseComplete();
                    return offset;
                case HttpParseResult.Error:
                {
                    var error = new ResponseFailedException($"The response to {_request!.Method} {_request.Uri} is malformed: {_parser.ErrorMessage}");
                    if (_body is { } b)
                    {
                        b.End(error);
                    }
                    else
                    {
                        FailResponse(error);
                    }

                    Transport.AbortConnection();
                    return offset;
                }
            }
        }

        return offset;
    }

    private void HeadReceived()
    {
        var head = _parser.Head;
        if (head.IsInformational)
        {
            return;
        }

        // The timer (if any) stays for the next request on this connection; without a pending response it does nothing.
        var headers = Headers.FromParsed(head.Fields);

        _keepAlive = head.KeepAlive;
        long? length = head.NoBody ? 0 : head.ContentLength >= 0 ? head.ContentLength : null;
        _body = new ConnectionBody(Transport, _abort);
        var request = _request!;
        var response = new HttpResponse(request.Method, request.Uri, head.Version, head.StatusCode, head.ReasonPhrase, headers, length, _body);
        var deferred = _response;
        _response = null;
        deferred?.Callback(response);
    }

    private void ResponseComplete()
    {
        // Offer the connection back before the reader hears of the end: code run by that news (an await
        // continuation) may make the next request at once, and should find this connection idle.
        _responseComplete = true;
        _completedInRead = true;
        var body = _body;
        MaybeDone();
        body?.End(new ResponseDoneException());
    }

    private void MaybeDone()
    {
        if (!_responseComplete || !_requestWritten || _lost)
        {
            return;
        }

        var body = _body;
        _request = null;
        _body = null;
        if (_keepAlive)
        {
            Reused = true;
            Reusable?.Invoke(this);
        }
        else
        {
            Transport.LoseConnection();
        }
    }

    private void FailResponse(Exception error)
    {
        CancelTimer();
        var deferred = _response;
        _response = null;
        if (deferred is { Called: false })
        {
            deferred.Errback(error);
        }
    }

    private void CancelTimer()
    {
        if (_timer is { } timer)
        {
            _timer = null;
            if (timer.Active)
            {
                timer.Cancel();
            }
        }
    }

    public override void ConnectionLost(Exception reason)
    {
        _lost = true;
        CancelTimer();
        if (_request is { } request)
        {
            if (_response is not null)
            {
                FailResponse(_received
                    ? new ResponseFailedException($"The connection closed during the response head of {request.Method} {request.Uri}: {reason.Message}", reason)
                    : new ResponseNeverReceivedException($"The connection closed before any response to {request.Method} {request.Uri}: {reason.Message}", reason));
            }
            else if (_body is { } body && !_responseComplete)
            {
                if (_parser.ConnectionClosed() == HttpParseResult.MessageComplete)
                {
                    body.End(new ResponseDoneException());
                }
                else
                {
                    body.End(new ResponseFailedException($"The response to {request.Method} {request.Uri} is truncated: {_parser.ErrorMessage} ({reason.Message})", reason));
                }
            }

            _request = null;
        }

        var lost = Lost;
        Lost = null;
        lost?.Invoke(this);
    }
}
