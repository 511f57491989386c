using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Transports;
using Torsion.Web.Http;

namespace Torsion.Web.Server;

/// <summary>
/// One request to a <see cref="Site"/> (twisted.web.server.Request): method, URI, path segments, arguments from the
/// query and from a form body, header fields, cookies, the session; and the response: status, header fields,
/// <see cref="Write(ReadOnlySpan{byte})"/> and <see cref="Finish"/>. The body was read whole before rendering.
/// </summary>
public sealed partial class Request : IConsumer
{
    private readonly HttpServerRequest _request;
    private readonly List<KeyValuePair<string, string>> _requestHeaders = [];
    private readonly List<KeyValuePair<string, string>> _responseHeaders = [];
    private Dictionary<string, List<string>>? _args;
    private Dictionary<string, string>? _cookies;
    private Session? _session;
    private List<Deferred<Unit>>? _finishWaiters;
    private bool _headersFlushed;
    private Exception? _lostReason;

    internal Request(Site site, HttpServerRequest request, HttpServerResponse response, IReactorTime time)
    {
        Site = site;
        _request = request;
        Response = response;
        Time = time;
        var head = request.Head;
        Method = Encoding.ASCII.GetString(head.Method);
        Uri = Encoding.Latin1.GetString(head.Target);
        Path = Encoding.Latin1.GetString(head.Path);
        Query = Encoding.Latin1.GetString(head.Query);
        ClientProtocol = head.Version switch { HttpProtocolVersion.Http10 => "HTTP/1.0", HttpProtocolVersion.Http2 => "HTTP/2.0", _ => "HTTP/1.1" };
        for (var i = 0; i < head.HeaderCount; i++)
        {
            _requestHeaders.Add(new(Encoding.Latin1.GetString(head.HeaderName(i)), Encoding.Latin1.GetString(head.HeaderValue(i))));
        }

        ClientAddress = request.Peer;
        HostAddress = request.Host;
        Postpath = [.. SplitPath(Path)];
        response.Aborted += ConnectionLost;
    }

    /// <summary>True when the request came over TLS (the connection's transport is an <see cref="ITlsTransport"/>).</summary>
    public bool IsSecure => _request.Transport is ITlsTransport;

    /// <summary>The site serving this request.</summary>
    public Site Site { get; }

    /// <summary>The underlying response (for producers and other low-level use).</summary>
    public HttpServerResponse Response { get; }

    /// <summary>The reactor of the connection.</summary>
    public IReactorTime Time { get; }

    /// <summary>The method, e.g. "GET".</summary>
    public string Method { get; }

    /// <summary>The request target as sent, e.g. "/a/b?x=1".</summary>
    public string Uri { get; }

    /// <summary>The path part of the target, still percent-encoded.</summary>
    public string Path { get; }

    /// <summary>The query string (after "?"), or empty.</summary>
    public string Query { get; }

    /// <summary>"HTTP/1.0" or "HTTP/1.1".</summary>
    public string ClientProtocol { get; }

    /// <summary>The client's address.</summary>
    public EndPoint ClientAddress { get; }

    /// <summary>This server's address.</summary>
    public EndPoint HostAddress { get; }

    /// <summary>Decoded path segments already traversed.</summary>
    public List<string> Prepath { get; } = [];

    /// <summary>Decoded path segments not traversed yet (what a leaf resource renders).</summary>
    public List<string> Postpath { get; }

    /// <summary>The request body (read whole before rendering).</summary>
    public Stream Content { get; internal set; } = Stream.Null;

    /// <summary>The response status (200 unless set).</summary>
    public int ResponseCode { get; private set; } = 200;

    /// <summary>Whether <see cref="Finish"/> was called (or the connection was lost).</summary>
    public bool Finished { get; private set; }

    /// <summary>The header fields as received, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestHeaders => _requestHeaders;

    /// <summary>
    /// Arguments from the query string and, for an <c>application/x-www-form-urlencoded</c> body, from the form;
    /// each name maps to its values in order.
    /// </summary>
    public IReadOnlyDictionary<string, List<string>> Args => _args ??= ParseArgs();

    /// <summary>The cookies sent by the client.</summary>
    public IReadOnlyDictionary<string, string> Cookies => _cookies ??= ParseCookies();

    /// <summary>The first value of header field <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? GetHeader(string name)
    {
        foreach (var (key, value) in _requestHeaders)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The first value of argument <paramref name="name"/>, or null.</summary>
    public string? GetArg(string name) => Args.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The value of cookie <paramref name="name"/>, or null.</summary>
    public string? GetCookie(string name) => Cookies.TryGetValue(name, out var value) ? value : null;

    /// <summary>The host the client asked for (Host header without port, or this server's address).</summary>
    public string GetRequestHostname()
    {
        var host = GetHeader("Host");
        if (string.IsNullOrEmpty(host))
        {
            return HostAddress is IPEndPoint ip ? ip.Address.ToString() : HostAddress.ToString() ?? "";
        }

        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[1..close] : host;
        }

        var colon = host.LastIndexOf(':');
        return colon >= 0 ? host[..colon] : host;
    }

    /// <summary>Sets the response status (and optionally its reason phrase).</summary>
    public void SetResponseCode(int code, string? message = null)
    {
        if (code is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A status code has three digits.");
        }

        ResponseCode = code;
        Response.StatusCode = code;
        Response.ReasonPhrase = message;
    }

    /// <summary>Sets response header <paramref name="name"/>, replacing earlier values.</summary>
    public void SetHeader(string name, string value)
    {
        RequireHeadersOpen(name, value);
        _responseHeaders.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        _responseHeaders.Add(new(name, value));
    }

    /// <summary>Adds a value of response header <paramref name="name"/>.</summary>
    public void AddHeader(string name, string value)
    {
        RequireHeadersOpen(name, value);
        _responseHeaders.Add(new(name, value));
    }

    /// <summary>The value of response header <paramref name="name"/> set so far, or null.</summary>
    public string? GetResponseHeader(string name)
    {
        foreach (var (key, value) in _responseHeaders)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Adds a Set-Cookie header (RFC 6265).</summary>
    /// <exception cref="ArgumentException">The name is not a token or the value has characters a cookie cannot hold.</exception>
    public void AddCookie(string name, string value, DateTimeOffset? expires = null, string? path = null, string? domain = null, TimeSpan? maxAge = null, bool secure = false, bool httpOnly = false, string? sameSite = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!HttpRequestParser.IsToken(Encoding.Latin1.GetBytes(name)))
        {
            throw new ArgumentException($"'{name}' is not a valid cookie name.", nameof(name));
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or '"' or ',' or ';' or '\\' or > '~')
            {
                throw new ArgumentException($"The value of cookie '{name}' has a character a cookie cannot hold; encode it first.", nameof(value));
            }
        }

        var sb = new StringBuilder().Append(name).Append('=').Append(value);
        if (expires is { } e)
        {
            sb.Append("; Expires=").Append(e.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (maxAge is { } age)
        {
            sb.Append("; Max-Age=").Append((long)age.TotalSeconds);
        }

        if (domain is not null)
        {
            sb.Append("; Domain=").Append(domain);
        }

        if (path is not null)
        {
            sb.Append("; Path=").Append(path);
        }

        if (secure)
        {
            sb.Append("; Secure");
        }

        if (httpOnly)
        {
            sb.Append("; HttpOnly");
        }

        if (sameSite is not null)
        {
            sb.Append("; SameSite=").Append(sameSite);
        }

        AddHeader("Set-Cookie", sb.ToString());
    }

    /// <summary>The session of this browser, made (with its cookie) when there is none yet.</summary>
    public Session GetSession()
    {
        if (_session is { Expired: false })
        {
            _session.Touch();
            return _session;
        }

        var uid = GetCookie(Site.SessionCookieName);
        if (uid is not null && Site.TryGetSession(uid, out var existing))
        {
            existing.Touch();
            return _session = existing;
        }

        _session = Site.MakeSession(Time);
        AddCookie(Site.SessionCookieName, _session.Uid, path: "/", httpOnly: true, sameSite: "Lax");
        return _session;
    }

    /// <summary>Redirects to <paramref name="url"/> (302 unless given).</summary>
    public void Redirect(string url, int statusCode = 302)
    {
        ArgumentNullException.ThrowIfNull(url);
        SetResponseCode(statusCode);
        SetHeader("Location", url);
        SetHeader("Content-Type", "text/html; charset=utf-8");
    }

    /// <summary>Writes body bytes (the head goes first).</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (Finished)
        {
            if (_lostReason is not null)
            {
                return;
            }

            throw new InvalidOperationException($"Request.Write called after Finish for {Method} {Uri}.");
        }

        FlushHeaders();
        Response.Write(data);
    }

    /// <summary>Writes text as UTF-8.</summary>
    public void Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Ends the response.</summary>
    /// <exception cref="InvalidOperationException">Finish was already called.</exception>
    public void Finish()
    {
        if (Finished)
        {
            if (_lostReason is not null)
            {
                return;
            }

            throw new InvalidOperationException($"Request.Finish called twice for {Method} {Uri}.");
        }

        FlushHeaders();
        Finished = true;
        Response.Finish();
        FireFinish(null);
    }

    /// <summary>A Deferred that fires when the response is finished, or fails when the connection is lost first.</summary>
    public Deferred<Unit> NotifyFinish()
    {
        if (Finished)
        {
            return _lostReason is null ? Deferred.Succeed() : Deferred.Fail<Unit>(_lostReason);
        }

        var d = new Deferred<Unit>();
        (_finishWaiters ??= []).Add(d);
        return d;
    }

    /// <summary>Registers a producer for the body (sends the head first).</summary>
    public void RegisterProducer(IProducer producer, bool streaming)
    {
        FlushHeaders();
        Response.RegisterProducer(producer, streaming);
    }

    /// <summary>Unregisters the producer.</summary>
    public void UnregisterProducer() => Response.UnregisterProducer();

    /// <summary>
    /// Renders this request with <paramref name="root"/>, traversing the remaining path segments from it; a leaf gets
    /// the rest of the path, except a segment it has a <see cref="Resource.PutChild"/> child for (e.g. a WebSocket put
    /// next to the files of a <see cref="Static.File"/> folder).
    /// </summary>
    public RenderResult RenderFrom(Resource root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var resource = root;
        while (Postpath.Count > 0 && (!resource.IsLeaf || resource.Children.ContainsKey(Postpath[0])))
        {
            var name = Postpath[0];
            Postpath.RemoveAt(0);
            Prepath.Add(name);
            resource = resource.GetChildWithDefault(name, this);
        }

        return resource.Render(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Method} {Uri} {ClientProtocol}";

    internal void Process(Resource root)
    {
        RenderResult result;
        try
        {
            result = RenderFrom(root);
        }
        catch (Exception e)
        {
            ProcessingFailed(e);
            return;
        }

        Complete(result);
    }

    internal void ProcessingFailed(Exception error)
    {
        Site.Logger?.LogError(error, "Rendering {Request} failed", this);
        if (Finished)
        {
            return;
        }

        if (Response.HeadersSent)
        {
            _request.Transport.AbortConnection();
            return;
        }

        _responseHeaders.Clear();
        SetResponseCode(500);
        SetHeader("Content-Type", "text/html; charset=utf-8");
        Write(ErrorPage.Html(500, "Processing Failed", "The server failed to render this resource."));
        Finish();
    }

    internal void Complete(RenderResult result)
    {
        if (result.IsNotDoneYet)
        {
            return;
        }

        switch (result.Value)
        {
            case byte[] bytes:
                FinishWith(bytes);
                break;
            case string text:
                FinishWith(Encoding.UTF8.GetBytes(text));
                break;
            case Task task:
                AwaitTask(task);
                break;
            case Deferred<Unit> d:
                d.AddBoth(r => Settle(r.Success ? null : r.Error, null));
                break;
            case Deferred<string> d:
                d.AddBoth(r => Settle(r.Success ? null : r.Error, r.Success ? Encoding.UTF8.GetBytes(r.Value ?? "") : null));
                break;
            case Deferred<byte[]> d:
                d.AddBoth(r => Settle(r.Success ? null : r.Error, r.Success ? r.Value : null));
                break;
        }
    }

    private async void AwaitTask(Task task)
    {
        try
        {
            await task.ConfigureAwait(true);
            var body = task switch
            {
                Task<string> t => Encoding.UTF8.GetBytes(t.Result ?? ""),
                Task<byte[]> t => t.Result,
                _ => null,
            };
            Settle(null, body);
        }
        catch (Exception e)
        {
            Settle(e, null);
        }
    }

    private void Settle(Exception? error, byte[]? body)
    {
        if (error is not null)
        {
            ProcessingFailed(error);
            return;
        }

        if (Finished)
        {
            return;
        }

        FinishWith(body ?? []);
    }

    private void FinishWith(byte[] body)
    {
        if (Finished)
        {
            return;
        }

        if (body.Length > 0)
        {
            Write(body);
        }

        Finish();
    }

    private void FlushHeaders()
    {
        if (_headersFlushed)
        {
            return;
        }

        _headersFlushed = true;
        foreach (var (name, value) in _responseHeaders)
        {
            Response.AddHeader(name, value);
        }
    }

    private void RequireHeadersOpen(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 || !HttpRequestParser.IsToken(Encoding.Latin1.GetBytes(name)))
        {
            throw new ArgumentException($"'{name}' is not a valid header field name.", nameof(name));
        }

        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException($"The value of header field '{name}' contains CR, LF or NUL.", nameof(value));
        }

        if (_headersFlushed)
        {
            throw new InvalidOperationException($"The response head of {Method} {Uri} is already written; header '{name}' comes too late.");
        }
    }

    private void ConnectionLost(Exception reason)
    {
        if (Finished)
        {
            return;
        }

        _lostReason = reason;
        Finished = true;
        FireFinish(reason);
    }

    private void FireFinish(Exception? error)
    {
        var waiters = _finishWaiters;
        _finishWaiters = null;
        if (waiters is null)
        {
            return;
        }

        foreach (var d in waiters)
        {
            if (error is null)
            {
                d.Callback(Unit.Value);
            }
            else
            {
                d.Errback(error);
            }
        }
    }

    private Dictionary<string, List<string>> ParseArgs()
    {
        var args = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        AddForm(args, Query);
        var type = GetHeader("Content-Type");
        if (type is not null && type.Split(';')[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) && Content.CanSeek)
        {
            var position = Content.Position;
            Content.Position = 0;
            using var reader = new StreamReader(Content, Encoding.UTF8, leaveOpen: true);
            AddForm(args, reader.ReadToEnd());
            Content.Position = position;
        }

        return args;
    }

    private static void AddForm(Dictionary<string, List<string>> args, string form)
    {
        foreach (var pair in form.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : WebUtility.UrlDecode(pair[(eq + 1)..]);
            if (!args.TryGetValue(name, out var list))
            {
                args[name] = list = [];
            }

            list.Add(value);
        }
    }

    private Dictionary<string, string> ParseCookies()
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, header) in _requestHeaders)
        {
            if (!string.Equals(key, "Cookie", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var part in header.Split(';'))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    continue;
                }

                var name = part[..eq].Trim();
                var value = part[(eq + 1)..].Trim();
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1];
                }

                cookies.TryAdd(name, value);
            }
        }

        return cookies;
    }

    private static IEnumerable<string> SplitPath(string path)
    {
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            yield return System.Uri.UnescapeDataString(segments[i]);
        }
    }
}
