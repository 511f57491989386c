using System.Text;
using Torsion.Web.Http;

namespace Torsion.Web.Tests.Http;

public sealed record ParsedRequest(string Method, string Target, string Version, string Headers, string Body, bool KeepAlive, bool ExpectsContinue);

/// <summary>Feeds chunks to a parser the way the server protocol does (unconsumed bytes passed again).</summary>
public static class ParserDriver
{
    public static (List<ParsedRequest> Requests, int ErrorStatus, string? ErrorMessage) Feed(HttpRequestParser parser, IEnumerable<byte[]> chunks)
    {
        var requests = new List<ParsedRequest>();
        var pending = new List<byte>();
        ParsedRequest? current = null;
        var body = new StringBuilder();
        foreach (var chunk in chunks)
        {
            pending.AddRange(chunk);
            while (true)
            {
                var input = pending.ToArray();
                var result = parser.Parse(input, out var consumed, out var data);
                pending.RemoveRange(0, consumed);
                switch (result)
                {
                    case HttpParseResult.NeedMoreData:
                        goto next;
                    case HttpParseResult.HeadComplete:
                        var h = parser.Head;
                        var headers = new StringBuilder();
                        for (var i = 0; i < h.HeaderCount; i++)
                        {
                            headers.Append(Encoding.Latin1.GetString(h.HeaderName(i))).Append('=').Append(Encoding.Latin1.GetString(h.HeaderValue(i))).Append(';');
                        }

                        current = new ParsedRequest(Encoding.ASCII.GetString(h.Method), Encoding.ASCII.GetString(h.Target), h.Version.ToString(), headers.ToString(), "", h.KeepAlive, h.ExpectsContinue);
                        body.Clear();
                        break;
                    case HttpParseResult.BodyData:
                        body.Append(Encoding.Latin1.GetString(data));
                        break;
                    case HttpParseResult.MessageComplete:
                        requests.Add(current! with { Body = body.ToString() });
                        current = null;
                        break;
                    case HttpParseResult.Error:
                        return (requests, parser.ErrorStatus, parser.ErrorMessage);
                }
            }

        next:;
        }

        return (requests, 0, null);
    }

    public static (List<ParsedRequest> Requests, int ErrorStatus, string? ErrorMessage) Feed(string text, HttpParserLimits? limits = null) =>
        Feed(new HttpRequestParser(limits), [Encoding.Latin1.GetBytes(text)]);
}
