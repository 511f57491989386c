using System.Text;
using CsCheck;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Client;

public sealed record ParsedResponse(int Status, string Reason, string Headers, string Body, bool KeepAlive);

public sealed class HttpResponseParserTests
{
    /// <summary>Feeds chunks as the client protocol does (unconsumed bytes passed again); closed: the connection closes at the end.</summary>
    internal static (List<ParsedResponse> Responses, string? Error) Feed(IEnumerable<byte[]> chunks, string method = "GET", bool closed = false, HttpParserLimits? limits = null, int responses = 1)
    {
        var parser = new HttpResponseParser(limits);
        parser.ExpectResponseTo(method);
        var list = new List<ParsedResponse>();
        var pending = new List<byte>();
        ParsedResponse? current = null;
        var body = new StringBuilder();
        void Complete()
        {
            list.Add(current! with { Body = body.ToString() });
            current = null;
        }

        foreach (var chunk in chunks)
        {
            pending.AddRange(chunk);
            while (true)
            {
                var result = parser.Parse(pending.ToArray(), out var consumed, out var data);
                if (result != HttpParseResult.BodyData)
                {
                    pending.RemoveRange(0, consumed);
                }

                switch (result)
                {
                    case HttpParseResult.NeedMoreData:
                        goto next;
                    case HttpParseResult.HeadComplete:
                        var h = parser.Head;
                        if (h.IsInformational)
                        {
                            list.Add(new ParsedResponse(h.StatusCode, h.ReasonPhrase, "", "", h.KeepAlive));
                            break;
                        }

                        current = new ParsedResponse(h.StatusCode, h.ReasonPhrase, string.Concat(h.Fields.Select(f => $"{f.Key}={f.Value};")), "", h.KeepAlive);
                        body.Clear();
                        break;
                    case HttpParseResult.BodyData:
                        body.Append(Encoding.Latin1.GetString(data));
                        pending.RemoveRange(0, consumed);
                        break;
                    case HttpParseResult.MessageComplete:
                        Complete();
                        if (list.Count(r => r.Status >= 200) < responses)
                        {
                            parser.ExpectResponseTo(method);
                        }
                        else
                        {
                            goto done;
                        }

                        break;
                    case HttpParseResult.Error:
                        return (list, parser.ErrorMessage);
                }
            }

        next:;
        }

        if (closed && current is not null)
        {
            if (parser.ConnectionClosed() == HttpParseResult.Error)
            {
                return (list, parser.ErrorMessage);
            }

            Complete();
        }

    done:
        return (list, null);
    }

    internal static (List<ParsedResponse> Responses, string? Error) Feed(string text, string method = "GET", bool closed = false, HttpParserLimits? limits = null, int responses = 1) =>
        Feed([Encoding.Latin1.GetBytes(text)], method, closed, limits, responses);

    private static string Error(string text, string method = "GET", bool closed = false, HttpParserLimits? limits = null)
    {
        var (_, error) = Feed(text, method, closed, limits);
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void Content_length_response_is_parsed()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello");
        Assert.Null(error);
        Assert.Equal(new ParsedResponse(200, "OK", "Content-Length=5;X-A=b;", "hello", true), r.Single());
    }

    [Fact]
    public void Chunked_response_with_extensions_and_trailers_is_parsed()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n");
        Assert.Null(error);
        Assert.Equal("hello world", r.Single().Body);
        Assert.True(r.Single().KeepAlive);
    }

    [Fact]
    public void Close_delimited_body_ends_with_the_connection()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\r\n\r\nuntil the end", closed: true);
        Assert.Null(error);
        Assert.Equal("until the end", r.Single().Body);
        Assert.False(r.Single().KeepAlive);
    }

    [Fact]
    public void Head_response_has_no_body_despite_content_length()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", method: "HEAD");
        Assert.Null(error);
        Assert.Equal("", r.Single().Body);
        Assert.True(r.Single().KeepAlive);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void Status_without_body_ends_after_the_head(int status)
    {
        var (r, error) = Feed($"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", responses: 2);
        Assert.Null(error);
        Assert.Equal([status, 200], r.Select(x => x.Status));
        Assert.Equal("z", r[1].Body);
    }

    [Fact]
    public void Interim_responses_precede_the_final_one()
    {
        var (r, error) = Feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
        Assert.Null(error);
        Assert.Equal([100, 103, 201], r.Select(x => x.Status));
        Assert.Equal("ok", r[2].Body);
    }

    [Fact]
    public void Http10_response_is_not_persistent_unless_keep_alive()
    {
        Assert.False(Feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").Responses.Single().KeepAlive);
        Assert.True(Feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").Responses.Single().KeepAlive);
        Assert.False(Feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").Responses.Single().KeepAlive);
    }

    [Fact]
    public void Missing_reason_phrase_is_accepted()
    {
        Assert.Equal(404, Feed("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").Responses.Single().Status);
        Assert.Equal(404, Feed("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n").Responses.Single().Status);
    }

    [Fact]
    public void Status_line_without_version_is_rejected() =>
        Assert.Equal("The status line 'HTTP/x 200 OK' is not 'HTTP/1.x code reason'.", Error("HTTP/x 200 OK\r\n\r\n"));

    [Fact]
    public void Status_line_of_another_protocol_is_rejected() =>
        Assert.Equal("The status line 'SSH-2.0-OpenSSH_9.6' is not 'HTTP/1.x code reason'.", Error("SSH-2.0-OpenSSH_9.6\r\n\r\n"));

    [Fact]
    public void Http2_version_is_rejected() =>
        Assert.Equal("The response version 'HTTP/2.0' is not HTTP/1.x.", Error("HTTP/2.0 200 OK\r\n\r\n"));

    [Fact]
    public void Non_numeric_status_is_rejected() =>
        Assert.Equal("The status code '2x0' is not three digits from 100 to 999.", Error("HTTP/1.1 2x0 OK\r\n\r\n"));

    [Fact]
    public void Status_below_100_is_rejected() =>
        Assert.Equal("The status code '099' is not three digits from 100 to 999.", Error("HTTP/1.1 099 OK\r\n\r\n"));

    [Fact]
    public void Four_digit_status_is_rejected() =>
        Assert.Equal("The status code in 'HTTP/1.1 2000 OK' is not followed by a space.", Error("HTTP/1.1 2000 OK\r\n\r\n"));

    [Fact]
    public void Control_character_in_reason_is_rejected() =>
        Assert.Equal("The reason phrase contains a control character.", Error("HTTP/1.1 200 O\u0001K\r\n\r\n"));

    [Fact]
    public void Bare_cr_in_status_line_is_rejected() =>
        Assert.Equal("The status line contains a bare CR.", Error("HTTP/1.1 200 O\rK\r\n\r\n"));

    [Fact]
    public void Bare_lf_is_rejected_by_default() =>
        Assert.Equal("A line of the response head ends with a bare LF (CRLF required).", Error("HTTP/1.1 200 OK\nContent-Length: 0\n\n"));

    [Fact]
    public void Bare_lf_is_accepted_when_allowed()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", limits: new HttpParserLimits { AllowBareLineFeed = true });
        Assert.Null(error);
        Assert.Equal("ok", r.Single().Body);
    }

    [Fact]
    public void Both_content_length_and_transfer_encoding_are_rejected() =>
        Assert.Equal("The response has both Content-Length and Transfer-Encoding (a sign of response smuggling).", Error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"));

    [Fact]
    public void Differing_content_lengths_are_rejected() =>
        Assert.Equal("Content-Length is given twice with different values.", Error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"));

    [Fact]
    public void Equal_content_lengths_are_accepted() =>
        Assert.Equal("abc", Feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc").Responses.Single().Body);

    [Fact]
    public void Negative_content_length_is_rejected() =>
        Assert.Equal("Content-Length '-1' is not a valid number.", Error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));

    [Fact]
    public void Huge_content_length_is_rejected() =>
        Assert.Equal("Content-Length '1234567890123456789' is not a valid number.", Error("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n"));

    [Fact]
    public void Content_length_above_the_limit_is_rejected() =>
        Assert.Equal("The declared response body of 11 bytes is larger than the limit.", Error("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", limits: new HttpParserLimits { MaxBodySize = 10 }));

    [Fact]
    public void Obs_fold_is_rejected() =>
        Assert.Equal("obs-fold (a header line starting with whitespace) is not accepted.", Error("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n"));

    [Fact]
    public void Header_without_colon_is_rejected() =>
        Assert.Equal("The header line 'NoColon' has no field name followed by a colon.", Error("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"));

    [Fact]
    public void Whitespace_before_colon_is_rejected() =>
        Assert.Equal("The header field name 'X-A ' has a character that is not allowed in a token (or whitespace before the colon).", Error("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n"));

    [Fact]
    public void Nul_in_header_value_is_rejected() =>
        Assert.Equal("The value of 'X-A' contains a control character.", Error("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n"));

    [Fact]
    public void Bare_cr_in_header_value_is_rejected() =>
        Assert.Equal("The value of 'X-A' contains a bare CR.", Error("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"));

    [Fact]
    public void Long_status_line_is_rejected() =>
        Assert.Equal("The status line is longer than the limit.", Error("HTTP/1.1 200 " + new string('x', 100), limits: new HttpParserLimits { MaxRequestLineSize = 64 }));

    [Fact]
    public void Large_header_section_is_rejected() =>
        Assert.Equal("The response header fields are larger than the limit.", Error("HTTP/1.1 200 OK\r\nX-A: " + new string('x', 200), limits: new HttpParserLimits { MaxHeaderSize = 100 }));

    [Fact]
    public void Too_many_header_fields_are_rejected() =>
        Assert.Equal("The response has more header fields than the limit.", Error("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: new HttpParserLimits { MaxHeaderCount = 2 }));

    [Fact]
    public void Non_hex_chunk_size_is_rejected() =>
        Assert.Equal("A chunk size has a character that is not hexadecimal.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5g\r\n"));

    [Fact]
    public void Empty_chunk_size_is_rejected() =>
        Assert.Equal("A chunk-size line does not start with a hexadecimal size.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"));

    [Fact]
    public void Overflowing_chunk_size_is_rejected() =>
        Assert.Equal("A chunk size is too large.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n"));

    [Fact]
    public void Chunk_data_without_crlf_is_rejected() =>
        Assert.Equal("Chunk data is not followed by CRLF.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"));

    [Fact]
    public void Chunk_size_line_with_bare_cr_is_rejected() =>
        Assert.Equal("A chunk-size line has a bare CR.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\rab"));

    [Fact]
    public void Long_chunk_extension_is_rejected() =>
        Assert.Equal("A chunk-size line is longer than the limit.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + new string('x', 100), limits: new HttpParserLimits { MaxChunkLineSize = 50 }));

    [Fact]
    public void Chunked_body_above_the_limit_is_rejected() =>
        Assert.Equal("The chunked response body is larger than the limit.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n", limits: new HttpParserLimits { MaxBodySize = 10 }));

    [Theory]
    [InlineData("NoColon\r\n\r\n", "A trailer line has no colon.")]
    [InlineData(": empty-name\r\n\r\n", "A trailer line has no field name.")]
    [InlineData("Bad Name: x\r\n\r\n", "A trailer field name has a character that is not allowed in a token.")]
    [InlineData("X-A: 1\r\n folded\r\n\r\n", "obs-fold in the trailer fields is not accepted.")]
    [InlineData("X-A: 1\u0001\r\n\r\n", "A trailer field contains a control character.")]
    [InlineData("X-A: 1\n\r\n", "A trailer line ends with a bare LF.")]
    [InlineData("X-A: 1\rX\r\n\r\n", "A trailer line has a bare CR.")]
    public void Malformed_trailer_line_is_rejected(string trailer, string expected) =>
        Assert.Equal(expected, Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n" + trailer));

    [Fact]
    public void Well_formed_trailers_are_accepted_and_dropped()
    {
        var (responses, error) = Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Checksum: 42\r\nEmpty:\r\n\r\n");
        Assert.Null(error);
        Assert.Equal("a", Assert.Single(responses).Body);
    }

    [Fact]
    public void Equal_field_strings_of_successive_responses_are_reused_and_different_ones_are_not()
    {
        var parser = new HttpResponseParser();
        (string Reason, IReadOnlyList<KeyValuePair<string, string>> Fields) ParseOne(string text)
        {
            parser.ExpectResponseTo("GET");
            Assert.Equal(HttpParseResult.HeadComplete, parser.Parse(Encoding.Latin1.GetBytes(text), out _, out _));
            return (parser.Head.ReasonPhrase, parser.Head.Fields.ToList());
        }

        var first = ParseOne("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 13\r\n\r\n");
        var second = ParseOne("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 14\r\n\r\n");
        var third = ParseOne("HTTP/1.1 404 Not Found\r\ncontent-length: 14\r\nServer: nginx\r\n\r\n");
        Assert.Same(first.Reason, second.Reason);
        Assert.Same(first.Fields[0].Key, second.Fields[0].Key);
        Assert.Same(first.Fields[0].Value, second.Fields[0].Value);
        Assert.Same(first.Fields[1].Key, second.Fields[1].Key);
        Assert.Equal("13", first.Fields[1].Value);
        Assert.Equal("14", second.Fields[1].Value);
        Assert.Equal("Not Found", third.Reason);
        Assert.Equal([new("content-length", "14"), new("Server", "nginx")], third.Fields);
    }

    [Fact]
    public void Large_trailers_are_rejected() =>
        Assert.Equal("The trailer fields are larger than the limit.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + new string('y', 200), limits: new HttpParserLimits { MaxHeaderSize = 100 }));

    [Fact]
    public void Truncated_content_length_body_is_an_error_on_close() =>
        Assert.Equal("The connection closed before the end of the response body.", Error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", closed: true));

    [Fact]
    public void Truncated_chunked_body_is_an_error_on_close() =>
        Assert.Equal("The connection closed before the end of the response body.", Error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", closed: true));

    [Fact]
    public void Close_in_the_head_is_an_error()
    {
        var parser = new HttpResponseParser();
        parser.ExpectResponseTo("GET");
        Assert.Equal(HttpParseResult.NeedMoreData, parser.Parse("HTTP/1.1 200"u8, out _, out _));
        Assert.Equal(HttpParseResult.Error, parser.ConnectionClosed());
        Assert.Equal("The connection closed in the middle of the response head.", parser.ErrorMessage);
    }

    [Fact]
    public void Non_chunked_final_coding_is_read_until_close()
    {
        var (r, error) = Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw", closed: true);
        Assert.Null(error);
        Assert.Equal("raw", r.Single().Body);
        Assert.False(r.Single().KeepAlive);
    }

    private static readonly Gen<string> GenResponse =
        Gen.Select(Gen.Int[0, 2], Gen.String[Gen.Char["abcxyz0123 \r\n"], 0, 300], Gen.Int[1, 40], Gen.Bool)
            .Select((kind, body, chunkSize, interim) =>
            {
                var sb = new StringBuilder();
                if (interim)
                {
                    sb.Append("HTTP/1.1 100 Continue\r\n\r\n");
                }

                sb.Append("HTTP/1.1 200 OK\r\nServer: t\r\n");
                if (kind == 0)
                {
                    sb.Append($"Content-Length: {body.Length}\r\n\r\n").Append(body);
                }
                else
                {
                    sb.Append("Transfer-Encoding: chunked\r\n\r\n");
                    for (var i = 0; i < body.Length; i += chunkSize)
                    {
                        var part = body.Substring(i, Math.Min(chunkSize, body.Length - i));
                        sb.Append($"{part.Length:x}").Append(kind == 2 ? ";ext=1" : "").Append("\r\n").Append(part).Append("\r\n");
                    }

                    sb.Append("0\r\n").Append(kind == 2 ? "Trailer-X: y\r\n" : "").Append("\r\n");
                }

                return sb.ToString();
            });

    [Fact]
    public void Any_split_of_a_response_sequence_yields_the_same_responses()
    {
        Gen.Select(GenResponse.List[1, 5], Gen.Int[1, 64].List[0, 40])
            .Sample((responses, cuts) =>
            {
                var bytes = Encoding.Latin1.GetBytes(string.Concat(responses));
                var finals = responses.Count;
                var whole = Feed([bytes], responses: finals);
                var chunks = new List<byte[]>();
                var pos = 0;
                foreach (var cut in cuts)
                {
                    if (pos >= bytes.Length)
                    {
                        break;
                    }

                    var n = Math.Min(cut, bytes.Length - pos);
                    chunks.Add(bytes[pos..(pos + n)]);
                    pos += n;
                }

                chunks.Add(bytes[pos..]);
                var split = Feed(chunks, responses: finals);
                var byteByByte = Feed(bytes.Select(b => new[] { b }), responses: finals);
                return whole.Error is null && whole.Responses.Count(r => r.Status == 200) == finals
                    && split.Error is null && whole.Responses.SequenceEqual(split.Responses)
                    && byteByByte.Error is null && whole.Responses.SequenceEqual(byteByByte.Responses);
            }, iter: 300);
    }
}
