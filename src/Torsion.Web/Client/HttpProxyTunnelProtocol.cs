using System.Buffers;
using System.Net;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Web.Http;

namespace Torsion.Web.Client;

/// <summary>
/// The proxy side of <see cref="HttpProxyTunnelEndpoint"/>: writes <c>CONNECT authority HTTP/1.1</c>, reads the proxy's
/// answer, and on 2xx passes the connection (and any byte after the answer) to the protocol built for the origin.
/// </summary>
internal sealed class HttpProxyTunnelProtocol : Protocol
{
    private readonly string _authority;
    private readonly string? _authorization;
    private readonly IProtocolFactory _factory;
    private readonly EndPoint _peer;
    private readonly HttpResponseParser _parser = new(HttpResponseParser.ClientLimits);
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly IReactorTime _time;
    private readonly TimeSpan _answerTimeout;
    private IProtocol? _inner;
    private IDelayedCall? _timer;

    public HttpProxyTunnelProtocol(string authority, string? authorization, IProtocolFactory factory, EndPoint peer, IReactorTime time, TimeSpan answerTimeout)
    {
        _time = time;
        _answerTimeout = answerTimeout;
        _authority = authority;
        _authorization = authorization;
        _factory = factory;
        _peer = peer;
        Opened = new Deferred<IProtocol>(_ => Abort());
        _parser.ExpectResponseTo("CONNECT");
    }

    /// <summary>Fires with the origin's protocol once the proxy opened the tunnel, or fails with <see cref="ProxyTunnelException"/>.</summary>
    public Deferred<IProtocol> Opened { get; }

    /// <summary>Drops the connection to the proxy.</summary>
    public void Abort()
    {
        if (Connected)
        {
            Transport.AbortConnection();
        }
    }

    public override void ConnectionMade()
    {
        // RFC 9110 section 9.3.6: the target is authority-form, and Host names the same authority (RFC 9112 section 3.2).
        var request = new StringBuilder(128)
            .Append("CONNECT ").Append(_authority).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(_authority).Append("\r\n");
        if (_authorization is not null)
        {
            request.Append("Proxy-Authorization: ").Append(_authorization).Append("\r\n");
        }

        request.Append("\r\n");
        Transport.Write(Encoding.Latin1.GetBytes(request.ToString()));
        _timer = _time.CallLater(_answerTimeout, () =>
        {
            _timer = null;
            Fail(new TimeoutException($"The proxy did not answer CONNECT {_authority} within {_answerTimeout.TotalSeconds:0.###} s."));
        });
    }

    private void CancelTimer()
    {
        if (_timer is { Active: true } timer)
        {
            timer.Cancel();
        }

        _timer = null;
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_inner is { } inner)
        {
            inner.DataReceived(data);
            return;
        }

        if (Opened.Called)
        {
            return;
        }

        ReadOnlySpan<byte> input = data;
        if (_pending.WrittenCount > 0)
        {
            _pending.Write(data);
            input = _pending.WrittenSpan;
        }

        var offset = 0;
        while (true)
        {
            var result = _parser.Parse(input[offset..], out var consumed, out _);
            offset += consumed;
            if (result == HttpParseResult.NeedMoreData)
            {
                var rest = input[offset..].ToArray();
                _pending.ResetWrittenCount();
                _pending.Write(rest);
                return;
            }

            if (result == HttpParseResult.Error)
            {
                Fail(new ProxyTunnelException($"The proxy's answer to CONNECT {_authority} is malformed: {_parser.ErrorMessage}"));
                return;
            }

            if (result == HttpParseResult.HeadComplete && !_parser.Head.IsInformational)
            {
                Answered(input[offset..].ToArray());
                return;
            }

            // 1xx interim answers are skipped (RFC 9110 section 15.2); the final one follows.
            _parser.ExpectResponseTo("CONNECT");
        }
    }

    private void Answered(byte[] rest)
    {
        CancelTimer();
        var head = _parser.Head;
        if (head.StatusCode is < 200 or >= 300)
        {
            var hint = head.StatusCode switch
            {
                407 when _authorization is null => " (the proxy wants credentials: put user:password in the proxy URI)",
                // Some proxies (tinyproxy 1.11) answer wrong credentials with 401 instead of 407.
                401 or 407 => " (the proxy rejected the credentials of the proxy URI)",
                403 => $" (the proxy does not allow tunnels to {_authority})",
                502 or 504 => $" (the proxy could not reach {_authority})",
                _ => string.Empty,
            };
            Fail(new ProxyTunnelException($"The proxy refused CONNECT {_authority}: {head.StatusCode} {head.ReasonPhrase}{hint}.", head.StatusCode));
            return;
        }

        // RFC 9110 section 9.3.6: after a 2xx answer the connection is a tunnel; any framing header is ignored.
        IProtocol? inner;
        try
        {
            inner = _factory.BuildProtocol(_peer);
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }

        if (inner is null)
        {
            Fail(new ProxyTunnelException($"The protocol factory refused the tunnel to {_authority}."));
            return;
        }

        _inner = inner;
        inner.MakeConnection(Transport);
        if (rest.Length > 0)
        {
            inner.DataReceived(rest);
        }

        Opened.Callback(inner);
    }

    private void Fail(Exception error)
    {
        CancelTimer();
        if (!Opened.Called)
        {
            Opened.Errback(error);
        }

        Transport.AbortConnection();
    }

    public override void ConnectionLost(Exception reason)
    {
        base.ConnectionLost(reason);
        CancelTimer();
        if (_inner is { } inner)
        {
            inner.ConnectionLost(reason);
        }
        else if (!Opened.Called)
        {
            Opened.Errback(new ProxyTunnelException($"The proxy closed the connection before answering CONNECT {_authority}: {reason.Message}", reason));
        }
    }
}
