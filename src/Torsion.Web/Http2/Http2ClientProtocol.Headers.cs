using System.Globalization;
using System.Text;
using Torsion.Web.Client;
using Torsion.Web.Http;

namespace Torsion.Web.Http2;

/// <summary>The HTTP/2 client's response header blocks: fields as HPACK decodes them, then the status, the checks and the response.</summary>
internal sealed partial class Http2ClientProtocol
{
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
            }
            else if (!name.SequenceEqual(":status"u8))
            {
                _malformed = $"'{Encoding.Latin1.GetString(name)}' is not a response pseudo-header field.";
            }
            else if (_status is not null)
            {
                _malformed = "The pseudo-header field ':status' appears twice.";
            }
            else if (value.Length != 3 || !char.IsAsciiDigit((char)value[0]) || !char.IsAsciiDigit((char)value[1]) || !char.IsAsciiDigit((char)value[2]))
            {
                _malformed = $"The :status '{Encoding.Latin1.GetString(value)}' is not three digits.";
            }
            else
            {
                _status = Encoding.Latin1.GetString(value);
            }

            return;
        }

        _regularSeen = true;
        _malformed = Http2FieldRules.Malformed(name, value, request: false);
        if (_malformed is not null)
        {
            return;
        }

        _fields.Add(new(Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
    }

    private protected override void HeaderBlockComplete(int id, ReadOnlySpan<byte> block)
    {
        _fields.Clear();
        _status = null;
        _malformed = null;
        _regularSeen = false;
        Streams.TryGetValue(id, out var found);
        var stream = found as Http2ClientStream;
        _decodingTrailers = stream?.Response is not null;
        DecodeBlock(block, this);
        if (stream is null)
        {
            return;
        }

        if (_decodingTrailers)
        {
            if (!HeaderEndStream)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, "A header block after the response head does not end the stream (trailers must).");
            }

            if (_malformed is not null)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, _malformed);
            }

            foreach (var (name, value) in _fields)
            {
                stream.Response!.Trailers.Add(name, value);
            }

            EndOfBody(stream);
            return;
        }

        _malformed ??= _status is null ? "The response has no :status." : null;
        if (_malformed is not null)
        {
            throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, $"The response to {stream.Request.Method} {stream.Request.Uri} is malformed: {_malformed}");
        }

        var status = int.Parse(_status!, CultureInfo.InvariantCulture);
        if (status < 200)
        {
            if (status == 101 || HeaderEndStream)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, $"An informational response {status} is not allowed here in HTTP/2.");
            }

            return; // 1xx: the final response follows
        }

        var headers = new Headers(_fields);
        long? length = null;
        if (headers.Get("content-length") is { } declared)
        {
            if (!long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, $"The content-length '{declared}' is not a number.");
            }

            length = n;
            stream.DeclaredLength = n;
        }

        var noBody = stream.Request.Method == "HEAD" || status is 204 or 304;
        if (noBody)
        {
            stream.DeclaredLength = -1;
            length = 0;
        }
        else if (HeaderEndStream)
        {
            if (length is > 0)
            {
                throw Http2Exception.Stream(Http2ErrorCode.ProtocolError, id, $"The response declares {length} body bytes but ends with its headers.");
            }

            length = 0;
        }

        stream.HeadReceived(new HttpResponse(stream.Request.Method, stream.Request.Uri, HttpProtocolVersion.Http2, status, HttpReasonPhrase.Get(status), headers, length, stream));
        if (HeaderEndStream && Streams.ContainsKey(id))
        {
            EndOfBody(stream);
        }
    }
}
