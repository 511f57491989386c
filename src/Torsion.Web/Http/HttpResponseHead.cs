namespace Torsion.Web.Http;

/// <summary>The status line and header fields of one response, as <see cref="HttpResponseParser"/> read them.</summary>
public sealed class HttpResponseHead
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    /// <summary>The HTTP version of the status line.</summary>
    public HttpProtocolVersion Version { get; internal set; }

    /// <summary>The three-digit status code.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The reason phrase (may be empty).</summary>
    public string ReasonPhrase { get; internal set; } = "";

    /// <summary>The header fields in the order received (names as sent, values trimmed; Latin-1).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary>The declared Content-Length, or -1.</summary>
    public long ContentLength { get; internal set; } = -1;

    /// <summary>Whether the body is chunked.</summary>
    public bool Chunked { get; internal set; }

    /// <summary>Whether the response has no body at all (HEAD, 1xx, 204, 304).</summary>
    public bool NoBody { get; internal set; }

    /// <summary>Whether the body ends when the connection closes (no Content-Length, not chunked).</summary>
    public bool CloseDelimited { get; internal set; }

    /// <summary>Whether the connection may carry another request after this response.</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>Whether this is an interim (1xx other than 101) response: a final one follows.</summary>
    public bool IsInformational => StatusCode is >= 100 and < 200 and not 101;

    internal void Clear()
    {
        _fields.Clear();
        ContentLength = -1;
        Chunked = false;
        NoBody = false;
        CloseDelimited = false;
        KeepAlive = false;
        ReasonPhrase = "";
    }

    internal void Add(string name, string value) => _fields.Add(new(name, value));
}
