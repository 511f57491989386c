using System.Text;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>Request header validation (RFC 9113 sections 8.2-8.3) and the request head of <see cref="Http2ServerProtocol"/>.</summary>
public sealed partial class Http2ServerProtocol
{
    /// <inheritdoc/>
    void IHpackHeaderReceiver.HeaderReceived(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_malformed is not null)
        {
            return;
        }

        if (!name.IsEmpty && name[0] == (byte)':')
        {
            if (_regularSeen || _decodingTrailers)
            {
                _malformed = "A pseudo-header field comes after a regular field or in trailers.";
                return;
            }

            ref var slot = ref _method;
            if (name.SequenceEqual(":method"u8))
            {
                slot = ref _method;
            }
            else if (name.SequenceEqual(":scheme"u8))
            {
                slot = ref _scheme;
            }
            else if (name.SequenceEqual(":path"u8))
            {
                slot = ref _path;
            }
            else if (name.SequenceEqual(":authority"u8))
            {
                slot = ref _authority;
            }
            else
            {
                _malformed = $"'{Encoding.Latin1.GetString(name)}' is not a request pseudo-header field.";
                return;
            }

            if (slot >= 0)
            {
                _malformed = $"The pseudo-header field '{Encoding.Latin1.GetString(name)}' appears twice.";
                return;
            }

            slot = _fields.Count;
            AddField(name, value);
            return;
        }

        _regularSeen = true;
        _malformed = Http2FieldRules.Malformed(name, value, request: true);
        if (_malformed is not null)
        {
            return;
        }

        AddField(name, value);
    }

    private void AddField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var needed = _fieldBytesLength + name.Length + value.Length;
        if (needed > _fieldBytes.Length)
        {
            Array.Resize(ref _fieldBytes, Math.Max(needed, _fieldBytes.Length * 2));
        }

        name.CopyTo(_fieldBytes.AsSpan(_fieldBytesLength));
        value.CopyTo(_fieldBytes.AsSpan(_fieldBytesLength + name.Length));
        _fields.Add((_fieldBytesLength, name.Length, _fieldBytesLength + name.Length, value.Length));
        _fieldBytesLength = needed;
    }

    private string? CheckPseudoHeaders()
    {
        if (_method < 0)
        {
            return "The request has no :method.";
        }

        var method = FieldValue(_method);
        if (method.SequenceEqual("CONNECT"u8))
        {
            return _scheme >= 0 || _path >= 0 || _authority < 0 ? "A CONNECT request must have :authority and no :scheme or :path." : null;
        }

        if (_scheme < 0 || _path < 0)
        {
            return "The request lacks :scheme or :path.";
        }

        if (FieldValue(_path).IsEmpty)
        {
            return "The request has an empty :path.";
        }

        return null;
    }

    private ReadOnlySpan<byte> FieldName(int index) => _fieldBytes.AsSpan(_fields[index].NameStart, _fields[index].NameLength);

    private ReadOnlySpan<byte> FieldValue(int index) => _fieldBytes.AsSpan(_fields[index].ValueStart, _fields[index].ValueLength);

    /// <summary>Lays the request out as an <see cref="HttpRequestHead"/>; returns the content-length (-1 none, -2 malformed).</summary>
    private long LoadHead(HttpRequestHead head)
    {
        var method = FieldValue(_method);
        var path = _path >= 0 ? FieldValue(_path) : _authority >= 0 ? FieldValue(_authority) : "/"u8;
        var hasHost = false;
        var cookies = 0;
        var size = method.Length + path.Length + 16 + (_authority >= 0 ? FieldValue(_authority).Length + 4 : 0);
        foreach (var f in _fields)
        {
            size += f.NameLength + f.ValueLength + 4;
        }

        var buffer = head.Load(new byte[size]);
        method.CopyTo(buffer);
        path.CopyTo(buffer[method.Length..]);
        head.SetRequestLine(method.Length, HttpRequestParser.IdentifyMethod(method), method.Length, path.Length, HttpProtocolVersion.Http2);
        var pos = method.Length + path.Length;
        long contentLength = -1;
        var cookieStart = -1;
        for (var i = 0; i < _fields.Count; i++)
        {
            if (i == _method || i == _scheme || i == _path || i == _authority)
            {
                continue;
            }

            var name = FieldName(i);
            var value = FieldValue(i);
            if (name.SequenceEqual("host"u8))
            {
                hasHost = true;
            }
            else if (name.SequenceEqual("content-length"u8))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out var length) || (contentLength >= 0 && contentLength != length))
                {
                    return -2;
                }

                contentLength = length;
            }
            else if (name.SequenceEqual("cookie"u8))
            {
                cookies++;
                if (cookieStart < 0)
                {
                    cookieStart = i;
                }

                continue;
            }

            Put(head, buffer, ref pos, name, value);
        }

        if (cookies > 0)
        {
            // Split cookie fields are joined again for HTTP/1.1-style consumers (RFC 9113 section 8.2.3).
            "cookie"u8.CopyTo(buffer[pos..]);
            var valueStart = pos + 6;
            var end = valueStart;
            for (var i = cookieStart; i < _fields.Count; i++)
            {
                if (FieldName(i).SequenceEqual("cookie"u8))
                {
                    if (end > valueStart)
                    {
                        buffer[end++] = (byte)';';
                        buffer[end++] = (byte)' ';
                    }

                    FieldValue(i).CopyTo(buffer[end..]);
                    end += FieldValue(i).Length;
                }
            }

            head.AddField(pos, 6, valueStart, end - valueStart, HttpRequestParser.IdentifyHeader("cookie"u8));
            pos = end;
        }

        if (!hasHost && _authority >= 0)
        {
            Put(head, buffer, ref pos, "host"u8, FieldValue(_authority));
        }

        head.SetFraming(contentLength, chunked: !HeaderEndStream && contentLength < 0, keepAlive: true, expectsContinue: false);
        return contentLength;
    }

    private static void Put(HttpRequestHead head, Span<byte> buffer, ref int pos, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        name.CopyTo(buffer[pos..]);
        value.CopyTo(buffer[(pos + name.Length)..]);
        head.AddField(pos, name.Length, pos + name.Length, value.Length, HttpRequestParser.IdentifyHeader(name));
        pos += name.Length + value.Length;
    }
}
