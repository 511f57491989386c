using System.Text;
using System.Text.Json;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.Client;

/// <summary>
/// A response whose head has arrived (Twisted's <c>IResponse</c>). The body is read once, either by a protocol given
/// to <see cref="DeliverBody"/> (streamed under flow control: pausing its transport pauses the connection) or whole
/// with <see cref="ReadBody"/>, <see cref="Content"/>, <see cref="Text"/> or <see cref="Json{T}"/>.
/// </summary>
public sealed class HttpResponse
{
    /// <summary>The largest body <see cref="ReadBody"/> reads unless told otherwise: 64 MiB.</summary>
    public const long DefaultMaxBodySize = 64L * 1024 * 1024;

    private IResponseBody? _body;

    internal HttpResponse(string method, Uri requestUri, HttpProtocolVersion version, int statusCode, string reasonPhrase, Headers headers, long? length, IResponseBody body)
    {
        Method = method;
        RequestUri = requestUri;
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers;
        Length = length;
        _body = body;
    }

    /// <summary>The method of the request this answers.</summary>
    public string Method { get; }

    /// <summary>The URI of the request this answers (after redirects: the last one).</summary>
    public Uri RequestUri { get; }

    /// <summary>The HTTP version of the status line.</summary>
    public HttpProtocolVersion Version { get; }

    /// <summary>The status code.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase.</summary>
    public string ReasonPhrase { get; }

    /// <summary>The response header fields.</summary>
    public Headers Headers { get; }

    /// <summary>The body length when known (Content-Length, or 0 for no body), else null.</summary>
    public long? Length { get; }

    /// <summary>
    /// Trailer fields: filled when the body ends with them (HTTP/2 trailers), so read them after the body completed.
    /// HTTP/1.1 chunked trailers are not kept.
    /// </summary>
    public Headers Trailers { get; private init; } = new();

    /// <summary>The response that redirected to this one, if any.</summary>
    public HttpResponse? PreviousResponse { get; internal set; }

    /// <summary>
    /// Streams the body to <paramref name="protocol"/>: MakeConnection with a read-only transport (pause, resume and
    /// stop act on the connection), DataReceived per piece, then ConnectionLost with <see cref="ResponseDoneException"/>
    /// when complete or another exception when it failed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The body was already delivered.</exception>
    public void DeliverBody(IProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var body = _body ?? throw new InvalidOperationException($"The body of the response to {Method} {RequestUri} was already delivered: it can be read once.");
        _body = null;
        body.Deliver(protocol);
    }

    /// <summary>Reads the whole body; fails with <see cref="ResponseFailedException"/> if it is larger than <paramref name="maxSize"/>.</summary>
    public Deferred<byte[]> ReadBody(long maxSize = DefaultMaxBodySize)
    {
        var collector = new BodyCollector(maxSize, this);
        DeliverBody(collector);
        return collector.Result;
    }

    /// <summary>Reads the whole body as a Task (see <see cref="ReadBody"/>).</summary>
    public Task<byte[]> ReadBodyAsync(long maxSize = DefaultMaxBodySize, CancellationToken cancellationToken = default)
    {
        var deferred = ReadBody(maxSize);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(deferred.Cancel);
        }

        return deferred.AsTask();
    }

    /// <summary>The whole body (treq's <c>content</c>), at most <see cref="DefaultMaxBodySize"/> bytes.</summary>
    public Deferred<byte[]> Content() => ReadBody();

    /// <summary>The body as text in the Content-Type charset, or <paramref name="encoding"/> (default UTF-8) when none is named.</summary>
    public Deferred<string> Text(Encoding? encoding = null)
    {
        var chosen = CharsetEncoding() ?? encoding ?? Encoding.UTF8;
        return ReadBody().AddCallback(bytes => chosen.GetString(bytes));
    }

    /// <summary>The body parsed as JSON into <typeparamref name="T"/> with System.Text.Json.</summary>
    public Deferred<T> Json<T>(JsonSerializerOptions? options = null) =>
        ReadBody().AddCallback(bytes => JsonSerializer.Deserialize<T>(bytes, options ?? JsonSerializerOptions.Web)!);

    /// <inheritdoc />
    public override string ToString() => $"{StatusCode} {ReasonPhrase} for {Method} {RequestUri}";

    internal HttpResponse WithBody(Headers headers, long? length, IResponseBody body) =>
        new(Method, RequestUri, Version, StatusCode, ReasonPhrase, headers, length, body) { PreviousResponse = PreviousResponse, Trailers = Trailers };

    internal IResponseBody TakeBody()
    {
        var body = _body ?? throw new InvalidOperationException("The body was already delivered.");
        _body = null;
        return body;
    }

    private Encoding? CharsetEncoding()
    {
        var type = Headers.Get("Content-Type");
        if (type is null)
        {
            return null;
        }

        foreach (var part in type.Split(';'))
        {
            var p = part.Trim();
            if (p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    return Encoding.GetEncoding(p[8..].Trim('"'));
                }
                catch (ArgumentException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>Gathers a body into one array, bounded; a body of known length up to 1 MiB goes straight into its array.</summary>
    private sealed class BodyCollector(long maxSize, HttpResponse response) : Protocol
    {
        private const long MaxPreallocated = 1024 * 1024;

        private byte[]? _exact = response.Length is { } n && n <= maxSize && n <= MaxPreallocated ? (n == 0 ? [] : new byte[n]) : null;
        private int _filled;
        private MemoryStream? _buffer;

        public Deferred<byte[]> Result { get; } = new();

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            if (Result.Called)
            {
                return;
            }

            if (_exact is { } exact && _filled + data.Length <= exact.Length)
            {
                data.CopyTo(exact.AsSpan(_filled));
                _filled += data.Length;
                return;
            }

            var buffered = _buffer?.Length ?? _filled;
            if (buffered + data.Length > maxSize)
            {
                Result.Errback(new ResponseFailedException($"The body of {response} is larger than {maxSize} bytes."));
                Transport.StopProducing();
                return;
            }

            if (_buffer is null)
            {
                _buffer = new MemoryStream();
                _buffer.Write(_exact.AsSpan(0, _filled));
                _exact = null;
            }

            _buffer.Write(data);
        }

        public override void ConnectionLost(Exception reason)
        {
            if (Result.Called)
            {
                return;
            }

            if (reason is not ResponseDoneException)
            {
                Result.Errback(reason);
            }
            else if (_exact is { } exact && _filled == exact.Length)
            {
                Result.Callback(exact);
            }
            else
            {
                Result.Callback(_buffer?.ToArray() ?? _exact.AsSpan(0, _filled).ToArray());
            }
        }
    }
}
