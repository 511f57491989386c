using System.Text;

namespace Torsion.Web.Http;

/// <summary>
/// A parsed request head: request line and header fields as spans over one buffer owned by the parser.
/// Valid until the parser completes the next head; copy what you keep longer.
/// </summary>
public sealed class HttpRequestHead
{
    private byte[] _buffer = new byte[1024];
    private HttpHeaderField[] _fields = new HttpHeaderField[16];
    private int _length;
    private int _methodLength;
    private int _targetStart;
    private int _targetLength;
    private int _pathLength;

    internal HttpRequestHead()
    {
    }

    /// <summary>The method token, e.g. <c>GET</c>.</summary>
    public ReadOnlySpan<byte> Method => _buffer.AsSpan(0, _methodLength);

    /// <summary>The method when it is one of the common ones.</summary>
    public KnownMethod KnownMethod { get; private set; }

    /// <summary>The request target as sent (origin-form <c>/a/b?x=1</c>, absolute-form, authority-form or <c>*</c>).</summary>
    public ReadOnlySpan<byte> Target => _buffer.AsSpan(_targetStart, _targetLength);

    /// <summary>The path part of the target (before <c>?</c>), still percent-encoded; for absolute-form, the path after the authority.</summary>
    public ReadOnlySpan<byte> Path
    {
        get
        {
            var path = _buffer.AsSpan(_targetStart, _pathLength);
            var scheme = path.IndexOf("://"u8);
            if (scheme > 0 && path[0] != (byte)'/')
            {
                var afterAuthority = path[(scheme + 3)..];
                var slash = afterAuthority.IndexOf((byte)'/');
                return slash < 0 ? "/"u8 : afterAuthority[slash..];
            }

            return path;
        }
    }

    /// <summary>The query after <c>?</c> (without it), or empty.</summary>
    public ReadOnlySpan<byte> Query => _pathLength < _targetLength ? _buffer.AsSpan(_targetStart + _pathLength + 1, _targetLength - _pathLength - 1) : default;

    /// <summary>The HTTP version of the request line.</summary>
    public HttpProtocolVersion Version { get; private set; }

    /// <summary>The number of header fields.</summary>
    public int HeaderCount { get; private set; }

    /// <summary>The Content-Length, or -1 when the request has none.</summary>
    public long ContentLength { get; private set; } = -1;

    /// <summary>Whether the body is chunked (Transfer-Encoding: chunked).</summary>
    public bool IsChunked { get; private set; }

    /// <summary>Whether a body follows the head (chunked or a Content-Length above zero).</summary>
    public bool HasBody => IsChunked || ContentLength > 0;

    /// <summary>Whether the connection may stay open after the response (RFC 9112 section 9.3).</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Whether the client waits for <c>100 Continue</c> before sending the body.</summary>
    public bool ExpectsContinue { get; private set; }

    /// <summary>The name of header field <paramref name="index"/> as sent.</summary>
    public ReadOnlySpan<byte> HeaderName(int index)
    {
        ref readonly var f = ref Field(index);
        return _buffer.AsSpan(f.NameStart, f.NameLength);
    }

    /// <summary>The value of header field <paramref name="index"/>, without surrounding whitespace.</summary>
    public ReadOnlySpan<byte> HeaderValue(int index)
    {
        ref readonly var f = ref Field(index);
        return _buffer.AsSpan(f.ValueStart, f.ValueLength);
    }

    /// <summary>Which known header field <paramref name="index"/> is.</summary>
    public KnownHeader KnownHeaderAt(int index) => Field(index).Known;

    /// <summary>The value of the first field of kind <paramref name="header"/>.</summary>
    public bool TryGetHeader(KnownHeader header, out ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < HeaderCount; i++)
        {
            if (_fields[i].Known == header && header != KnownHeader.Other)
            {
                value = _buffer.AsSpan(_fields[i].ValueStart, _fields[i].ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value of the first field named <paramref name="name"/> (ASCII, case-insensitive).</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < HeaderCount; i++)
        {
            if (Ascii.EqualsIgnoreCase(HeaderName(i), name))
            {
                value = HeaderValue(i);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The value of the first field named <paramref name="name"/> as a string (Latin-1), or null.</summary>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < HeaderCount; i++)
        {
            if (Ascii.EqualsIgnoreCase(HeaderName(i), name))
            {
                return Encoding.Latin1.GetString(HeaderValue(i));
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Encoding.ASCII.GetString(Method)} {Encoding.Latin1.GetString(Target)} {(Version switch { HttpProtocolVersion.Http10 => "HTTP/1.0", HttpProtocolVersion.Http2 => "HTTP/2", _ => "HTTP/1.1" })}";

    private ref readonly HttpHeaderField Field(int index)
    {
        if ((uint)index >= (uint)HeaderCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The head has {HeaderCount} header fields.");
        }

        return ref _fields[index];
    }

    internal Span<byte> Load(ReadOnlySpan<byte> head)
    {
        if (_buffer.Length < head.Length)
        {
            _buffer = new byte[Math.Max(head.Length, _buffer.Length * 2)];
        }

        head.CopyTo(_buffer);
        _length = head.Length;
        HeaderCount = 0;
        ContentLength = -1;
        IsChunked = false;
        KeepAlive = false;
        ExpectsContinue = false;
        return _buffer.AsSpan(0, _length);
    }

    internal void SetRequestLine(int methodLength, KnownMethod method, int targetStart, int targetLength, HttpProtocolVersion version)
    {
        _methodLength = methodLength;
        KnownMethod = method;
        _targetStart = targetStart;
        _targetLength = targetLength;
        var q = _buffer.AsSpan(targetStart, targetLength).IndexOf((byte)'?');
        _pathLength = q < 0 ? targetLength : q;
        Version = version;
    }

    internal void AddField(int nameStart, int nameLength, int valueStart, int valueLength, KnownHeader known)
    {
        if (HeaderCount == _fields.Length)
        {
            Array.Resize(ref _fields, _fields.Length * 2);
        }

        _fields[HeaderCount++] = new HttpHeaderField { NameStart = nameStart, NameLength = nameLength, ValueStart = valueStart, ValueLength = valueLength, Known = known };
    }

    internal void SetFraming(long contentLength, bool chunked, bool keepAlive, bool expectsContinue)
    {
        ContentLength = contentLength;
        IsChunked = chunked;
        KeepAlive = keepAlive;
        ExpectsContinue = expectsContinue;
    }
}
