using System.Text;
using CsCheck;
using Torsion.Testing;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Http;

public sealed class HttpRequestParserTests
{
    private const string Host = "Host: example.com\r\n";

    public static TheoryData<string, string, int> Malformed => new()
    {
        { "no method", " / HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "method with a non-token character", "G(T / HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "no target", "GET HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "two spaces after the method", "GET  / HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "control character in the target", "GET /a\x01b HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "non-ASCII byte in the target", "GET /\xe9 HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "target not in a known form", "GET abc HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "asterisk form with GET", "GET * HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "lower-case version", "GET / http/1.1\r\n" + Host + "\r\n", 400 },
        { "version with letters", "GET / HTTP/1.x\r\n" + Host + "\r\n", 400 },
        { "HTTP/2.0 request line", "GET / HTTP/2.0\r\n" + Host + "\r\n", 505 },
        { "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400 },
        { "two Host fields", "GET / HTTP/1.1\r\n" + Host + Host + "\r\n", 400 },
        { "bare LF ends the request line", "GET / HTTP/1.1\n" + Host + "\r\n", 400 },
        { "bare LF ends a header line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400 },
        { "bare CR inside a header value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400 },
        { "bare CR inside the request line", "GET /\r HTTP/1.1\r\n" + Host + "\r\n", 400 },
        { "bare CR line", "GET / HTTP/1.1\r\n" + Host + "\r\r\n\r\n", 400 },
        { "obs-fold", "GET / HTTP/1.1\r\n" + Host + "X-A: 1\r\n  2\r\n\r\n", 400 },
        { "whitespace before the colon", "GET / HTTP/1.1\r\n" + Host + "X-A : 1\r\n\r\n", 400 },
        { "header line without a colon", "GET / HTTP/1.1\r\n" + Host + "X-A\r\n\r\n", 400 },
        { "empty header name", "GET / HTTP/1.1\r\n" + Host + ": x\r\n\r\n", 400 },
        { "non-token header name", "GET / HTTP/1.1\r\n" + Host + "X[A]: 1\r\n\r\n", 400 },
        { "NUL in a header value", "GET / HTTP/1.1\r\n" + Host + "X-A: a\0b\r\n\r\n", 400 },
        { "DEL in a header value", "GET / HTTP/1.1\r\n" + Host + "X-A: a\x7f\r\n\r\n", 400 },
        { "Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "two different Content-Length fields", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n", 400 },
        { "Content-Length list with different values", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 3, 4\r\n\r\n", 400 },
        { "negative Content-Length", "POST / HTTP/1.1\r\n" + Host + "Content-Length: -1\r\n\r\n", 400 },
        { "Content-Length with a sign", "POST / HTTP/1.1\r\n" + Host + "Content-Length: +3\r\n\r\n", 400 },
        { "hexadecimal Content-Length", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 0x10\r\n\r\n", 400 },
        { "empty Content-Length", "POST / HTTP/1.1\r\n" + Host + "Content-Length:\r\n\r\n", 400 },
        { "overflowing Content-Length", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 99999999999999999999999\r\n\r\n", 400 },
        { "Content-Length over the body limit", "POST / HTTP/1.1\r\n" + Host + "Content-Length: 30000001\r\n\r\n", 413 },
        { "Transfer-Encoding final coding not chunked", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "Transfer-Encoding identity", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: identity\r\n\r\n", 400 },
        { "Transfer-Encoding chunked twice", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "Transfer-Encoding gzip then chunked", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "Transfer-Encoding with a misspelt chunked", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunkedx\r\n\r\n", 400 },
        { "unknown expectation", "POST / HTTP/1.1\r\n" + Host + "Expect: 200-ok\r\n\r\n", 417 },
        { "chunk size not hexadecimal", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
        { "chunk size missing", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n\r\n", 400 },
        { "chunk size overflows", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400 },
        { "chunk size line with a bare LF", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400 },
        { "chunk size line with a bare CR", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n", 400 },
        { "chunk data longer than its size", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400 },
        { "chunk data followed by a bare LF", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n", 400 },
        { "control character in a chunk extension", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n3;a\x01\r\nabc\r\n0\r\n\r\n", 400 },
        { "chunked body over the body limit", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n1ccccccc\r\n", 413 },
        { "obs-fold in a trailer", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n", 400 },
        { "trailer line without a colon", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX\r\n\r\n", 400 },
        { "NUL in a trailer", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\0\r\n\r\n", 400 },
        { "trailer with a bare CR", "POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\rb\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_request_is_rejected_with_the_exact_status(string name, string request, int status)
    {
        var (_, error, message) = ParserDriver.Feed(request);
        Assert.True(error == status, $"{name}: expected {status}, got {error} ({message})");
        Assert.False(string.IsNullOrEmpty(message));
    }

    [Fact]
    public void Request_line_longer_than_the_limit_gives_414()
    {
        var (_, error, _) = ParserDriver.Feed("GET /" + new string('a', 9000) + " HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal(414, error);
    }

    [Fact]
    public void Request_line_longer_than_the_limit_gives_414_before_its_end_arrives()
    {
        var (_, error, _) = ParserDriver.Feed("GET /" + new string('a', 9000));
        Assert.Equal(414, error);
    }

    [Fact]
    public void Headers_larger_than_the_limit_give_431()
    {
        var (_, error, _) = ParserDriver.Feed("GET / HTTP/1.1\r\n" + Host + "X-Big: " + new string('a', 33 * 1024) + "\r\n\r\n");
        Assert.Equal(431, error);
    }

    [Fact]
    public void Headers_larger_than_the_limit_give_431_before_their_end_arrives()
    {
        var (_, error, _) = ParserDriver.Feed("GET / HTTP/1.1\r\n" + Host + "X-Big: " + new string('a', 33 * 1024));
        Assert.Equal(431, error);
    }

    [Fact]
    public void More_header_fields_than_the_limit_give_431()
    {
        var many = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: {i}\r\n"));
        var (_, error, _) = ParserDriver.Feed("GET / HTTP/1.1\r\n" + Host + many + "\r\n");
        Assert.Equal(431, error);
    }

    [Fact]
    public void Trailers_larger_than_the_limit_give_431()
    {
        var (_, error, _) = ParserDriver.Feed("POST / HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: " + new string('a', 33 * 1024) + "\r\n\r\n");
        Assert.Equal(431, error);
    }

    [Fact]
    public void Body_limit_is_configurable()
    {
        var limits = new HttpParserLimits { MaxBodySize = 10 };
        Assert.Equal(413, ParserDriver.Feed("POST / HTTP/1.1\r\n" + Host + "Content-Length: 11\r\n\r\n", limits).ErrorStatus);
        Assert.Equal(0, ParserDriver.Feed("POST / HTTP/1.1\r\n" + Host + "Content-Length: 10\r\n\r\n0123456789", limits).ErrorStatus);
    }

    [Fact]
    public void Simple_get_is_parsed_with_its_fields()
    {
        var (requests, error, _) = ParserDriver.Feed("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nAccept:  text/plain \t\r\n\r\n");
        Assert.Equal(0, error);
        var r = Assert.Single(requests);
        Assert.Equal(("GET", "/a/b?x=1&y=2", "Http11"), (r.Method, r.Target, r.Version));
        Assert.Equal("Host=example.com;X-Empty=;Accept=text/plain;", r.Headers);
        Assert.True(r.KeepAlive);
    }

    [Fact]
    public void Path_query_and_known_fields_are_read_without_strings()
    {
        var parser = new HttpRequestParser();
        var input = "GET http://example.com/p/q?z=9 HTTP/1.1\r\nhOST: example.com\r\ncontent-type: text/x\r\n\r\n"u8;
        Assert.Equal(HttpParseResult.HeadComplete, parser.Parse(input, out var consumed, out _));
        Assert.Equal(input.Length, consumed);
        var head = parser.Head;
        Assert.Equal("/p/q"u8.ToArray(), head.Path.ToArray());
        Assert.Equal("z=9"u8.ToArray(), head.Query.ToArray());
        Assert.Equal(KnownMethod.Get, head.KnownMethod);
        Assert.True(head.TryGetHeader(KnownHeader.ContentType, out var type));
        Assert.Equal("text/x"u8.ToArray(), type.ToArray());
        Assert.Equal(KnownHeader.Host, head.KnownHeaderAt(0));
        Assert.Equal("example.com", head.GetHeader("Host"));
        Assert.Equal(HttpParseResult.MessageComplete, parser.Parse(default, out _, out _));
    }

    [Fact]
    public void Content_length_body_is_delivered()
    {
        var (requests, _, _) = ParserDriver.Feed("POST /u HTTP/1.1\r\n" + Host + "Content-Length: 5\r\n\r\nhello");
        Assert.Equal("hello", Assert.Single(requests).Body);
    }

    [Fact]
    public void Identical_content_length_values_are_accepted()
    {
        var (requests, error, _) = ParserDriver.Feed("POST /u HTTP/1.1\r\n" + Host + "Content-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi");
        Assert.Equal(0, error);
        Assert.Equal("hi", Assert.Single(requests).Body);
    }

    [Fact]
    public void Chunked_body_with_extensions_and_trailers_is_delivered()
    {
        var (requests, error, _) = ParserDriver.Feed("POST /u HTTP/1.1\r\n" + Host + "Transfer-Encoding: Chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: yes\r\n\r\n");
        Assert.Equal(0, error);
        Assert.Equal("hello, world!!!", Assert.Single(requests).Body);
    }

    [Fact]
    public void Http10_closes_unless_keep_alive_is_asked()
    {
        Assert.False(ParserDriver.Feed("GET / HTTP/1.0\r\n\r\n").Requests[0].KeepAlive);
        Assert.True(ParserDriver.Feed("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").Requests[0].KeepAlive);
        Assert.False(ParserDriver.Feed("GET / HTTP/1.1\r\n" + Host + "Connection: close\r\n\r\n").Requests[0].KeepAlive);
    }

    [Fact]
    public void Expect_100_continue_is_recognised()
    {
        var r = ParserDriver.Feed("POST / HTTP/1.1\r\n" + Host + "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").Requests[0];
        Assert.True(r.ExpectsContinue);
    }

    [Fact]
    public void Empty_lines_before_a_request_are_ignored()
    {
        var (requests, error, _) = ParserDriver.Feed("\r\n\r\nGET / HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal(0, error);
        Assert.Single(requests);
    }

    [Fact]
    public void Bare_LF_is_accepted_when_allowed()
    {
        var limits = new HttpParserLimits { AllowBareLineFeed = true };
        var (requests, error, _) = ParserDriver.Feed("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", limits);
        Assert.Equal(0, error);
        Assert.Equal("abc", Assert.Single(requests).Body);
    }

    [Fact]
    public void Options_asterisk_form_is_accepted()
    {
        Assert.Equal(0, ParserDriver.Feed("OPTIONS * HTTP/1.1\r\n" + Host + "\r\n").ErrorStatus);
    }

    [Fact]
    public void Parsing_a_head_allocates_nothing()
    {
        var parser = new HttpRequestParser();
        var input = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain,text/html;q=0.9\r\nConnection: keep-alive\r\n\r\n"u8.ToArray();
        Assert.Equal(0, Allocations.LeastAllocatedBytes(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                parser.Parse(input, out _, out _);
                parser.Parse(default, out _, out _);
            }
        }));
    }

    private static readonly Gen<string> GenRequest =
        Gen.Select(
            Gen.OneOfConst("GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"),
            Gen.String[Gen.Char["abcxyz019-._~%/"], 0, 20],
            Gen.Int[0, 4],
            Gen.String[Gen.Char["abcdefghij \t\r\n\0"], 0, 40],
            Gen.Int[0, 2],
            Gen.Bool)
        .Select((method, path, headerCount, body, mode, http10) =>
        {
            var sb = new StringBuilder();
            sb.Append(method).Append(" /").Append(path).Append(http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\nHost: h\r\n");
            for (var i = 0; i < headerCount; i++)
            {
                sb.Append("X-H").Append(i).Append(": v").Append(i).Append("\r\n");
            }

            if (mode == 1 || (mode == 2 && http10))
            {
                sb.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n").Append(body);
            }
            else if (mode == 2)
            {
                sb.Append("Transfer-Encoding: chunked\r\n\r\n");
                for (var i = 0; i < body.Length; i += 7)
                {
                    var part = body.Substring(i, Math.Min(7, body.Length - i));
                    sb.Append(part.Length.ToString("x")).Append(i % 2 == 0 ? "\r\n" : ";ext=1\r\n").Append(part).Append("\r\n");
                }

                sb.Append("0\r\n").Append(body.Length % 2 == 0 ? "" : "T: x\r\n").Append("\r\n");
            }
            else
            {
                sb.Append("\r\n");
            }

            return sb.ToString();
        });

    [Fact]
    public void Any_split_of_pipelined_requests_yields_the_same_requests()
    {
        Gen.Select(GenRequest.List[1, 6], Gen.Int[1, 64].List[0, 30])
            .Sample((requests, cuts) =>
            {
                var bytes = Encoding.Latin1.GetBytes(string.Concat(requests));
                var whole = ParserDriver.Feed(new HttpRequestParser(), [bytes]);
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
                var split = ParserDriver.Feed(new HttpRequestParser(), chunks);
                var byteByByte = ParserDriver.Feed(new HttpRequestParser(), bytes.Select(b => new[] { b }));
                return whole.ErrorStatus == 0 && whole.Requests.Count == requests.Count
                    && whole.Requests.SequenceEqual(split.Requests) && split.ErrorStatus == 0
                    && whole.Requests.SequenceEqual(byteByByte.Requests) && byteByByte.ErrorStatus == 0;
            }, iter: 300);
    }
}
