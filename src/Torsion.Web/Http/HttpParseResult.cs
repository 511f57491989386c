namespace Torsion.Web.Http;

/// <summary>What one call of <see cref="HttpRequestParser.Parse"/> found.</summary>
public enum HttpParseResult
{
    /// <summary>Nothing more can be parsed: pass the bytes not consumed again, followed by more input.</summary>
    NeedMoreData,

    /// <summary>A request head is complete: read it from <see cref="HttpRequestParser.Head"/>.</summary>
    HeadComplete,

    /// <summary>Some body bytes are in the body span; more may follow.</summary>
    BodyData,

    /// <summary>The request (head and body, trailers included) is complete; the parser is ready for the next one.</summary>
    MessageComplete,

    /// <summary>The input is not an acceptable request: answer <see cref="HttpRequestParser.ErrorStatus"/> and close.</summary>
    Error,
}
