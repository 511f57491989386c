using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>
/// Speaks HTTP/1.1 or HTTP/2 on one connection, as the client chose: HTTP/2 when TLS negotiated ALPN "h2" (RFC 9113
/// section 3.2) or when a cleartext connection starts with the HTTP/2 preface (h2c with prior knowledge, section 3.3);
/// HTTP/1.1 otherwise. The HTTP/1.1 side runs from the start (its timeouts guard a silent connection) and hands
/// over when HTTP/2 is detected.
/// </summary>
public sealed class NegotiatingHttpProtocol : Protocol, IHttpServerConnection
{
    private readonly HttpHandler _handler;
    private readonly IReactorTime _time;
    private readonly HttpServerOptions _options;
    private readonly HttpDateCache? _date;
    private HttpServerProtocol? _http1;
    private Http2ServerProtocol? _http2;
    private byte[]? _sniffed;
    private int _sniffedLength;
    private bool _decided;

    /// <summary>Makes the protocol for one connection.</summary>
    public NegotiatingHttpProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions? options = null)
        : this(handler, time, options ?? HttpServerOptions.Default, null)
    {
    }

    internal NegotiatingHttpProtocol(HttpHandler handler, IReactorTime time, HttpServerOptions options, HttpDateCache? date)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(time);
        _handler = handler;
        _time = time;
        _options = options;
        _date = date;
    }

    /// <summary>The HTTP/2 protocol once the connection speaks HTTP/2; null before or for HTTP/1.1.</summary>
    public Http2ServerProtocol? Http2 => _http2;

    IReactorTime IHttpServerConnection.Time => _time;

    /// <summary>
    /// Starts a graceful shutdown: an HTTP/2 connection sends its two GOAWAYs (<see cref="Http2ServerProtocol.Shutdown"/>),
    /// finishes the streams in flight and then closes (returns true); an HTTP/1.1 one drains as <see cref="HttpServerProtocol.Shutdown"/> says
    /// (returns false). Call it on the connection's reactor thread.
    /// </summary>
    public bool Shutdown()
    {
        if (_http2 is not null)
        {
            if (Connected)
            {
                _http2.Shutdown();
            }

            return true;
        }

        _http1?.Shutdown();
        return false;
    }

    void IHttpServerConnection.Drain() => Shutdown();

    void IHttpServerConnection.Abort()
    {
        if (Connected)
        {
            Transport.AbortConnection();
        }
    }

    /// <inheritdoc/>
    public override void ConnectionMade()
    {
        _http1 = new HttpServerProtocol(Handle, _time, _options, _date);
        _http1.MakeConnection(Transport);
        if ((Factory as HttpServerFactory)?.Track(this) == true)
        {
            Shutdown();
        }
    }

    /// <inheritdoc/>
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_decided)
        {
            if (_http2 is not null)
            {
                _http2.DataReceived(data);
            }
            else
            {
                _http1!.DataReceived(data);
            }

            return;
        }

        if (_http1!.IsShuttingDown)
        {
            // Closed while still deciding (no request yet): what follows is not read.
            return;
        }

        if (Transport is ITlsTransport { NegotiatedApplicationProtocol: "h2" })
        {
            SwitchToHttp2(data);
            return;
        }

        var preface = Http2ServerProtocol.Preface;
        if (_sniffedLength == 0 && (data.IsEmpty || data[0] != preface[0]))
        {
            _decided = true;
            _http1!.DataReceived(data);
            return;
        }

        _sniffed ??= new byte[preface.Length];
        var n = Math.Min(preface.Length - _sniffedLength, data.Length);
        data[..n].CopyTo(_sniffed.AsSpan(_sniffedLength));
        _sniffedLength += n;
        if (!_sniffed.AsSpan(0, _sniffedLength).SequenceEqual(preface[.._sniffedLength]))
        {
            _decided = true;
            var sniffed = _sniffed.AsSpan(0, _sniffedLength).ToArray();
            _http1!.DataReceived(sniffed);
            if (n < data.Length)
            {
                _http1.DataReceived(data[n..]);
            }

            return;
        }

        if (_sniffedLength == preface.Length)
        {
            SwitchToHttp2(preface);
            if (n < data.Length)
            {
                _http2!.DataReceived(data[n..]);
            }
        }
    }

    /// <inheritdoc/>
    public override void ConnectionLost(Exception reason)
    {
        (Factory as HttpServerFactory)?.Untrack(this);
        if (_http2 is not null)
        {
            _http2.ConnectionLost(reason);
        }
        else
        {
            _http1?.ConnectionLost(reason);
        }
    }

    private void Handle(HttpServerRequest request, HttpServerResponse response)
    {
        // A draining connection finishes this request over HTTP/1.1 rather than starting HTTP/2.
        if (_http2 is null && !_http1!.IsShuttingDown && TryUpgrade(request))
        {
            return;
        }

        _handler(request, response);
    }

    /// <summary>HTTP/1.1 <c>Upgrade: h2c</c> with HTTP2-Settings on cleartext, for a request without body (RFC 7540 section 3.2).</summary>
    private bool TryUpgrade(HttpServerRequest request)
    {
        var head = request.Head;
        if (Transport is ITlsTransport || head.Version != HttpProtocolVersion.Http11 || head.HasBody
            || !head.TryGetHeader("Upgrade"u8, out var upgrade) || !head.TryGetHeader("HTTP2-Settings"u8, out var encoded))
        {
            return false;
        }

        var offered = false;
        foreach (var range in upgrade.Split((byte)','))
        {
            offered |= upgrade[range].Trim(" \t"u8).SequenceEqual("h2c"u8);
        }

        if (!offered)
        {
            return false;
        }

        byte[] settings;
        try
        {
            settings = System.Buffers.Text.Base64Url.DecodeFromUtf8(encoded.Trim(" \t="u8));
        }
        catch (FormatException)
        {
            return false;
        }

        _decided = true;
        Transport.Write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8);
        var http1 = _http1!;
        _http1 = null;
        _http2 = new Http2ServerProtocol(_handler, _time, _options, _date);
        _http2.MakeConnection(Transport);
        try
        {
            _http2.StartUpgraded(head, settings);
        }
        catch (Http2Exception e)
        {
            _http2.Fail(e);
        }

        // The HTTP/1.1 side stops here: it sees the connection as gone, which only cancels its timers.
        http1.ConnectionLost(new ConnectionDoneException("The connection was upgraded to HTTP/2."));
        return true;
    }

    private void SwitchToHttp2(ReadOnlySpan<byte> data)
    {
        _decided = true;

        // The HTTP/1.1 side has seen no request: ending it only cancels its idle timer.
        _http1!.ConnectionLost(new ConnectionDoneException("The connection speaks HTTP/2."));
        _http1 = null;
        _http2 = new Http2ServerProtocol(_handler, _time, _options, _date);
        _http2.MakeConnection(Transport);
        _http2.DataReceived(data);
    }
}
