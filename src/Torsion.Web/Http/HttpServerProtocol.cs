using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Http;

/// <summary>
/// The HTTP/1.1 server side of one connection (RFC 9112; RFC 9110 sections 6-9, 10.1.1 for 100-continue):
/// persistent connections, pipelining (requests are handled one at a time, so answers go out strictly in order),
/// chunked bodies both ways, HEAD, HTTP/1.0 clients, a header-read timeout and an idle keep-alive timeout, request
/// bodies under flow control, and an error page with the right status for every malformed request, then close.
/// <see cref="Shutdown"/> drains the connection gracefully (RFC 9112 section 9.6).
/// </summary>
public sealed partial class HttpServerProtocol : Protocol, IHttpExchange, IHttpServerConnection
{

    private readonly HttpHandler _handler;
    private readonly HttpServerOptions _options;
    private readonly IReactorTime _time;
    private readonly HttpDateCache _date;
    private readonly HttpRequestParser _parser;
    private readonly HttpServerRequest _request;
    private readonly HttpServerResponse _response;
    private readonly Action _onTimer;

    private readonly PendingInput _pending = new();
    private bool _processing;
    private bool _inRequest;
    private bool _bodyComplete;
    private bool _responseDone;
    private bool _discardBody;
    private bool _bodyPaused;
    private bool _continueSent;
    private bool _closing;
    private bool _readPaused;
    private bool _draining;
    private IHttpBodyReceiver? _receiver;
    private IProtocol? _upgraded;

    private IDelayedCall? _timer;
    private double _deadline;
    private TimeoutKind _timeoutKind;

    /// <summary>Makes the protocol for one connection.</summary>
    /// <param name="handler">Called for each request.</param>
    /// <param name="time">The connection's reactor (timeouts).</param>
    /// <param name="options">Settings; null: the defaults.</param>
    public HttpServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions? options = null)
        : this(handler, time, options ?? HttpServerOptions.Default, null)
    {
    }

    internal HttpServerProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions options, HttpDateCache? date)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(time);
        _handler = handler;
        _time = time;
        _options = options;
        _date = date ?? new HttpDateCache(options.TimeProvider);
        _parser = new HttpRequestParser(options.Limits);
        _request = new HttpServerRequest(this, _parser.Head);
        _response = new HttpServerResponse(this, options);
        _onTimer = OnTimer;
    }

    private enum TimeoutKind
    {
        None,
        Idle,
        Header,
        Body,
    }

    internal ReadOnlySpan<byte> Date => _date.Value;

    ReadOnlySpan<byte> IHttpExchange.Date => _date.Value;

    bool IHttpExchange.CanKeepAlive() => CanKeepAlive();

    void IHttpExchange.StartBody(IHttpBodyReceiver receiver) => StartBody(receiver);

    void IHttpExchange.PauseBody() => PauseBody();

    void IHttpExchange.ResumeBody() => ResumeBody();

    void IHttpExchange.ResponseFinished(HttpServerResponse response) => ResponseFinished(response);

    /// <inheritdoc/>
    public override void ConnectionMade()
    {
        SetDeadline(TimeoutKind.Idle, _options.IdleTimeout);
        if ((Factory as HttpServerFactory)?.Track(this) == true)
        {
            Shutdown();
        }
    }

    /// <inheritdoc/>
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_upgraded is not null)
        {
            _upgraded.DataReceived(data);
            return;
        }

        if (_closing)
        {
            return;
        }

        if (_pending.Length == 0 && !_processing)
        {
            var used = Process(data);
            if (used < data.Length && !_closing)
            {
                if (_upgraded is not null)
                {
                    _upgraded.DataReceived(data[used..]);
                    return;
                }

                _pending.Append(data[used..]);
            }
        }
        else
        {
            _pending.Append(data);
            ProcessPending();
        }

        if (_upgraded is not null)
        {
            DeliverPendingToUpgraded();
            return;
        }

        UpdateReadPause();
    }

    /// <inheritdoc/>
    public override void ConnectionLost(Exception reason)
    {
        (Factory as HttpServerFactory)?.Untrack(this);
        if (_upgraded is not null)
        {
            _upgraded.ConnectionLost(reason);
            return;
        }

        _closing = true;
        CancelTimer();
        if (_inRequest)
        {
            var receiver = _receiver;
            _receiver = null;
            if (!_bodyComplete && receiver is not null && !_discardBody)
            {
                receiver.BodyFailed(reason);
            }

            _response.ConnectionLost(reason);
        }

        _pending.Release();
    }

    /// <summary>
    /// Hands the connection to <paramref name="protocol"/> after a 101 response: this protocol stops parsing and
    /// forwards the bytes already buffered and all further data and the connection loss to it.
    /// </summary>
    internal void UpgradeTo(IProtocol protocol, HttpServerResponse response)
    {
        if (!_inRequest || _upgraded is not null || _closing)
        {
            throw new InvalidOperationException("Only a request in progress can upgrade the connection.");
        }

        if (_options.AccessLog is { } log)
        {
            try
            {
                log.Log(_request, response.StatusCode, 0);
            }
            catch (Exception e)
            {
                _options.Logger?.LogError(e, "The access log failed for {Request}", _request);
            }
        }

        CancelTimer();
        _inRequest = false;
        _receiver = null;
        _upgraded = protocol;
        if (_readPaused)
        {
            _readPaused = false;
            Transport.ResumeProducing();
        }

        protocol.MakeConnection(Transport);
        if (!_processing)
        {
            DeliverPendingToUpgraded();
        }

        if (_draining)
        {
            // Upgraded while the server drains: the new protocol is told at once that the server is going away.
            CloseUpgraded();
        }
    }

    private void DeliverPendingToUpgraded()
    {
        if (!_pending.HasBuffer)
        {
            return;
        }

        var rest = _pending.TakeAll();
        if (rest.Length > 0)
        {
            _upgraded!.DataReceived(rest);
        }
    }

    internal bool CanKeepAlive() =>
        !_closing && !_draining && _parser.Head.KeepAlive && (_bodyComplete || !_parser.Head.ExpectsContinue || _continueSent);

    internal void StartBody(IHttpBodyReceiver receiver)
    {
        if (!_inRequest || _responseDone)
        {
            throw new InvalidOperationException("The request body can only be read while the request is in progress.");
        }

        if (_receiver is not null)
        {
            throw new InvalidOperationException("The request body is already being read.");
        }

        _receiver = receiver;
        if (_bodyComplete)
        {
            receiver.BodyCompleted();
            return;
        }

        if (_parser.Head.ExpectsContinue && !_continueSent && !_response.HeadersSent)
        {
            _continueSent = true;
            Transport.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
        }

        ProcessPending();
        UpdateReadPause();
    }

    internal void PauseBody()
    {
        _bodyPaused = true;
        if (_timeoutKind == TimeoutKind.Body)
        {
            _timeoutKind = TimeoutKind.None;
        }
    }

    internal void ResumeBody()
    {
        if (!_bodyPaused)
        {
            return;
        }

        _bodyPaused = false;
        ProcessPending();
        UpdateReadPause();
    }

    internal void ResponseFinished(HttpServerResponse response)
    {
        _responseDone = true;
        if (_options.AccessLog is { } log)
        {
            try
            {
                log.Log(_request, response.StatusCode, response.BodyBytesSent);
            }
            catch (Exception e)
            {
                _options.Logger?.LogError(e, "The access log failed for {Request}", _request);
            }
        }

        if (!_bodyComplete)
        {
            // The application answered without reading the whole body: discard the rest to reach the next request
            // (the response said Connection: close when the client still waits for 100 Continue).
            // A receiver the application registered still gets the rest of the body.
            _discardBody = _receiver is null;
            if (!response.KeepAlive)
            {
                Close();
                return;
            }

            ProcessPending();
            UpdateReadPause();
            return;
        }

        EndRequest();
    }

    private void EndRequest()
    {
        _inRequest = false;
        _receiver = null;
        if (!_response.KeepAlive || _draining)
        {
            // Draining: the requests pipelined behind this one stay unanswered (RFC 9112 section 9.6).
            Close();
            return;
        }

        SetDeadline(TimeoutKind.Idle, _options.IdleTimeout);
        if (!_processing)
        {
            ProcessPending();
            UpdateReadPause();
        }
    }

    private void Close()
    {
        _closing = true;
        CancelTimer();
        Transport.LoseConnection();
    }

    private void ProcessPending()
    {
        if (_processing || _closing || _pending.Length == 0)
        {
            return;
        }

        var used = Process(_pending.Span);
        if (!_pending.HasBuffer)
        {
            return; // released while processing: the connection was lost or handed over
        }

        _pending.Consume(used, keepAtMost: 64 * 1024);
    }

    private int Process(ReadOnlySpan<byte> input)
    {
        _processing = true;
        var pos = 0;
        try
        {
            while (!_closing && _upgraded is null)
            {
                if (_inRequest && (_bodyComplete || (!_discardBody && (_receiver is null || _bodyPaused))))
                {
                    break;
                }

                var result = _parser.Parse(input[pos..], out var consumed, out var body);
                pos += consumed;
                switch (result)
                {
                    case HttpParseResult.NeedMoreData:
                        if (!_inRequest)
                        {
                            if (_parser.InMessage && _timeoutKind != TimeoutKind.Header)
                            {
                                SetDeadline(TimeoutKind.Header, _options.HeaderTimeout);
                            }
                        }
                        else if (!_bodyComplete)
                        {
                            // Waiting for body bytes someone reads: each arrival restarts the body timeout.
                            SetDeadline(TimeoutKind.Body, _options.BodyTimeout);
                        }

                        return pos;
                    case HttpParseResult.HeadComplete:
                        BeginRequest();
                        break;
                    case HttpParseResult.BodyData:
                        if (!_discardBody)
                        {
                            _receiver!.BodyDataReceived(body);
                        }

                        break;
                    case HttpParseResult.MessageComplete:
                        _bodyComplete = true;
                        if (!_discardBody)
                        {
                            _receiver?.BodyCompleted();
                        }

                        if (_responseDone)
                        {
                            EndRequest();
                        }

                        break;
                    case HttpParseResult.Error:
                        Reject(_parser.ErrorStatus, _parser.ErrorMessage ?? "Bad request.");
                        return pos;
                }
            }

            return pos;
        }
        finally
        {
            _processing = false;
        }
    }

    private void BeginRequest()
    {
        _inRequest = true;
        _responseDone = false;
        _discardBody = false;
        _bodyPaused = false;
        _continueSent = false;
        _receiver = null;
        _timeoutKind = TimeoutKind.None;
        _bodyComplete = !_parser.Head.HasBody;
        if (_bodyComplete)
        {
            _parser.Parse(default, out _, out _);
        }

        _response.Reset(_parser.Head);
        try
        {
            _handler(_request, _response);
        }
        catch (Exception e)
        {
            _options.Logger?.LogError(e, "The handler of {Request} failed", _request);
            if (_response.Finished)
            {
                return;
            }

            if (_response.HeadersSent)
            {
                _closing = true;
                CancelTimer();
                Transport.AbortConnection();
                return;
            }

            _response.WriteError(500, "The server failed to answer this request.");
            _responseDone = true;
            Close();
        }
    }

    private void Reject(int status, string message)
    {
        if (_inRequest)
        {
            var receiver = _receiver;
            _receiver = null;
            if (receiver is not null && !_discardBody)
            {
                receiver.BodyFailed(new InvalidDataException($"The request body is malformed: {message}"));
            }

            if (_response.HeadersSent || _response.Finished)
            {
                _closing = true;
                CancelTimer();
                Transport.AbortConnection();
                return;
            }

            _response.Abandon();
        }
        else
        {
            _response.Reset(_parser.Head);
        }

        _response.WriteError(status, message);
        Close();
    }

    private void UpdateReadPause()
    {
        if (_closing)
        {
            return;
        }

        if (!_readPaused && _pending.Length > _options.MaxRequestBufferSize)
        {
            _readPaused = true;
            Transport.PauseProducing();
        }
        else if (_readPaused && _pending.Length <= _options.MaxRequestBufferSize / 2)
        {
            _readPaused = false;
            Transport.ResumeProducing();
        }
    }

    private void SetDeadline(TimeoutKind kind, TimeSpan after)
    {
        _timeoutKind = kind;
        _deadline = _time.Seconds() + after.TotalSeconds;
        if (_timer is null || !_timer.Active)
        {
            _timer = _time.CallLater(after, _onTimer);
        }
        else if (_timer.Time > _deadline)
        {
            _timer.Reset(after);
        }
    }

    private void CancelTimer()
    {
        _timeoutKind = TimeoutKind.None;
        if (_timer is { Active: true })
        {
            _timer.Cancel();
        }

        _timer = null;
    }

    private void OnTimer()
    {
        _timer = null;
        if (_closing || _timeoutKind == TimeoutKind.None)
        {
            return;
        }

        var now = _time.Seconds();
        if (now < _deadline)
        {
            _timer = _time.CallLater(TimeSpan.FromSeconds(_deadline - now), _onTimer);
            return;
        }

        if (_timeoutKind == TimeoutKind.Header)
        {
            _response.Reset(_parser.Head);
            _response.WriteError(408, "The request head did not arrive in time.");
        }
        else if (_timeoutKind == TimeoutKind.Body)
        {
            _receiver?.BodyFailed(new TimeoutException($"No request body bytes arrived for {_options.BodyTimeout.TotalSeconds:0.###} s."));
            _receiver = null;
            if (_response.HeadersSent || _response.Finished)
            {
                _closing = true;
                CancelTimer();
                Transport.AbortConnection();
                return;
            }

            _response.Abandon();
            _response.WriteError(408, "The request body did not arrive in time.");
        }

        Close();
    }
}
