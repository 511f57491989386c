// Torsion.KestrelPeer: a small Kestrel application used as a third-party peer.
//
//   Torsion.KestrelPeer [--http PORT] [--h2c PORT] [--https PORT --cert PEM --key PEM] [--max-streams N]
//
// --http   HTTP/1.1 (and h2c is NOT offered) on 127.0.0.1:PORT
// --h2c    HTTP/2 only, prior knowledge, on 127.0.0.1:PORT
// --https  HTTP/1.1 and HTTP/2 with ALPN on 127.0.0.1:PORT, certificate from PEM files
//          (PORT 0: a port the system picks; the ready line says which)
// --max-streams  HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS (Kestrel's MaxStreamsPerConnection), default 256
// Prints "ready http=P h2c=P https=P" on stdout once every endpoint listens (0 for one not asked for). Routes:
//   GET  /plaintext            "Hello, World!" (text/plain)
//   POST /echo                 the request body back, same Content-Type
//   GET  /bytes/{n}            n bytes of 'a'..'z' repeating
//   GET  /protocol             the request's protocol ("HTTP/1.1", "HTTP/2")
//   GET  /headers              request headers, one "name: value" line each, lower-case names sorted
//   GET  /status/{code}        an empty response with that status
//   GET  /redirect/{n}         302 to /redirect/{n-1}, /redirect/0 is 200 "done"
//   GET  /cookie/set           Set-Cookie: peer=kestrel; then /cookie/get echoes the Cookie header
//   GET  /gzip                 a gzip-encoded text body (Content-Encoding: gzip)
//   GET  /slow/{ms}            waits ms milliseconds, then "slow"
//   GET  /trailers             a body and a trailer "x-checksum: 42" (HTTP/2 only)
//   GET  /ws                   WebSocket echo (text and binary), closes when the client closes, echoing its code and
//                              reason; text "close:CODE:REASON" makes it close with CODE and REASON, text "extensions?"
//                              answers the negotiated extensions ("none"), text "fragment:N:TEXT" sends TEXT back as one
//                              message of N frames split at byte offsets; prints "closed CODE" (the code it received)
//   GET  /ws-deflate           the same with permessage-deflate accepted (DangerousEnableCompression)
//   GET  /connection           the id of the request's connection (to count keep-alive reuse)
//   POST /framing              how the request body came: "te=<Transfer-Encoding> cl=<Content-Length> read=<bytes>"
//   GET|HEAD /resource         "resource body" with Content-Length (HEAD: the same head, no body)
//   GET  /barrier/{name}/{n}   waits until n requests to /barrier/{name}/{n} are in progress at once, then answers each
//                              with "CONNECTION-ID n" (the id of its connection); 504 "barrier NAME: K of N arrived"
//                              when they were not all there within 20 s
using System.IO.Compression;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

int http = -1, h2c = -1, https = -1, maxStreams = 256;
string? cert = null, key = null;
for (var i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--http": http = int.Parse(args[i + 1]); break;
        case "--h2c": h2c = int.Parse(args[i + 1]); break;
        case "--https": https = int.Parse(args[i + 1]); break;
        case "--cert": cert = args[i + 1]; break;
        case "--key": key = args[i + 1]; break;
        case "--max-streams": maxStreams = int.Parse(args[i + 1]); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
if (http < 0 && h2c < 0 && https < 0)
{
    Console.Error.WriteLine("usage: Torsion.KestrelPeer [--http PORT] [--h2c PORT] [--https PORT --cert PEM --key PEM] [--max-streams N]");
    return 2;
}

// Kestrel writes the bound endpoint back into each ListenOptions, so port 0 can be reported once started.
var listening = new Dictionary<string, ListenOptions>();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
    k.Limits.Http2.MaxStreamsPerConnection = maxStreams;
    if (http >= 0) k.Listen(IPAddress.Loopback, http, o => { o.Protocols = HttpProtocols.Http1; listening["http"] = o; });
    if (h2c >= 0) k.Listen(IPAddress.Loopback, h2c, o => { o.Protocols = HttpProtocols.Http2; listening["h2c"] = o; });
    if (https >= 0)
    {
        using var pem = X509Certificate2.CreateFromPemFile(cert!, key!);
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        k.Listen(IPAddress.Loopback, https, o =>
        {
            o.Protocols = HttpProtocols.Http1AndHttp2;
            o.UseHttps(certificate);
            listening["https"] = o;
        });
    }
});

var app = builder.Build();
app.UseWebSockets();
var plaintext = "Hello, World!"u8.ToArray();
app.MapGet("/plaintext", (HttpContext c) =>
{
    c.Response.ContentType = "text/plain";
    c.Response.ContentLength = plaintext.Length;
    return c.Response.Body.WriteAsync(plaintext).AsTask();
});
app.MapPost("/echo", async (HttpContext c) =>
{
    c.Response.ContentType = c.Request.ContentType ?? "application/octet-stream";
    if (c.Request.ContentLength is long n) c.Response.ContentLength = n;
    await c.Request.Body.CopyToAsync(c.Response.Body);
});
app.MapGet("/bytes/{n:int}", async (HttpContext c, int n) =>
{
    c.Response.ContentType = "application/octet-stream";
    c.Response.ContentLength = n;
    // 65 520 is a multiple of 26, so every chunk continues the alphabet where the last one ended.
    var chunk = new byte[Math.Min(n, 65520)];
    for (var i = 0; i < chunk.Length; i++) chunk[i] = (byte)('a' + i % 26);
    for (var sent = 0; sent < n;)
    {
        var count = Math.Min(chunk.Length, n - sent);
        await c.Response.Body.WriteAsync(chunk.AsMemory(0, count));
        sent += count;
    }
});
app.MapGet("/connection", (HttpContext c) => Results.Text(c.Connection.Id));
app.MapPost("/framing", async (HttpContext c) =>
{
    var read = 0L;
    var buffer = new byte[65536];
    for (int n; (n = await c.Request.Body.ReadAsync(buffer)) > 0;) read += n;
    return Results.Text($"te={c.Request.Headers.TransferEncoding} cl={c.Request.ContentLength} read={read}");
});
app.MapMethods("/resource", ["GET", "HEAD"], (HttpContext c) =>
{
    c.Response.ContentType = "text/plain";
    c.Response.ContentLength = 13;
    return c.Response.Body.WriteAsync("resource body"u8.ToArray()).AsTask();
});
var barriers = new System.Collections.Concurrent.ConcurrentDictionary<string, RequestBarrier>();
app.MapGet("/barrier/{name}/{n:int}", async (HttpContext c, string name, int n) =>
{
    var barrier = barriers.GetOrAdd(name, _ => new RequestBarrier(n));
    var released = barrier.Arrive();
    if (await Task.WhenAny(released, Task.Delay(20_000)) != released)
    {
        return Results.Text($"barrier {name}: {barrier.Arrived} of {n} arrived", statusCode: 504);
    }

    return Results.Text($"{c.Connection.Id} {n}");
});
app.MapGet("/protocol", (HttpContext c) => Results.Text(c.Request.Protocol));
app.MapGet("/headers", (HttpContext c) =>
{
    var lines = c.Request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
        .Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}");
    return Results.Text(string.Join("\n", lines) + "\n");
});
app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
app.MapGet("/redirect/{n:int}", (int n) => n <= 0 ? Results.Text("done") : Results.Redirect($"/redirect/{n - 1}"));
app.MapGet("/cookie/set", (HttpContext c) =>
{
    c.Response.Headers.Append("Set-Cookie", "peer=kestrel; Path=/");
    return Results.Text("set");
});
app.MapGet("/cookie/get", (HttpContext c) => Results.Text(c.Request.Headers.Cookie.ToString()));
app.MapGet("/gzip", async (HttpContext c) =>
{
    var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("compressible text ", 500)));
    using var buffer = new MemoryStream();
    using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(body);
    c.Response.ContentType = "text/plain";
    c.Response.Headers.ContentEncoding = "gzip";
    c.Response.ContentLength = buffer.Length;
    await c.Response.Body.WriteAsync(buffer.ToArray());
});
app.MapGet("/slow/{ms:int}", async (int ms) => { await Task.Delay(ms); return Results.Text("slow"); });
app.MapGet("/trailers", async (HttpContext c) =>
{
    c.Response.DeclareTrailer("x-checksum");
    c.Response.ContentType = "text/plain";
    await c.Response.WriteAsync("body with trailers");
    if (c.Response.SupportsTrailers()) c.Response.AppendTrailer("x-checksum", "42");
});
app.Map("/ws", (HttpContext c) => WebSocketEcho(c, compression: false));
app.Map("/ws-deflate", (HttpContext c) => WebSocketEcho(c, compression: true));

await app.StartAsync();
int Bound(string name) => listening.TryGetValue(name, out var o) ? o.IPEndPoint!.Port : 0;
Console.WriteLine($"ready http={Bound("http")} h2c={Bound("h2c")} https={Bound("https")}");
await app.WaitForShutdownAsync();
return 0;

// The /ws and /ws-deflate echo. Prints "closed CODE" (the client's close code as Kestrel saw it, or 1006 when the
// connection ended without a close frame) so that tests can check what this side received.
static async Task WebSocketEcho(HttpContext c, bool compression)
{
    if (!c.WebSockets.IsWebSocketRequest) { c.Response.StatusCode = 400; return; }
    using var ws = await c.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = compression });
    var extensions = c.Response.Headers["Sec-WebSocket-Extensions"].ToString();
    var buffer = new byte[1 << 20];
    try
    {
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                r = await ws.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                count += r.Count;
            } while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                Console.WriteLine($"closed {(int?)ws.CloseStatus ?? 1005}");
                await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.Empty, ws.CloseStatusDescription, CancellationToken.None);
                return;
            }
            if (r.MessageType == WebSocketMessageType.Text && buffer.AsSpan(0, count).SequenceEqual("extensions?"u8))
            {
                await ws.SendAsync(Encoding.UTF8.GetBytes(extensions.Length > 0 ? extensions : "none"), WebSocketMessageType.Text, true, CancellationToken.None);
                continue;
            }
            if (r.MessageType == WebSocketMessageType.Text && buffer.AsSpan(0, count).StartsWith("close:"u8))
            {
                var command = Encoding.UTF8.GetString(buffer, 0, count).Split(':', 3);
                await ws.CloseAsync((WebSocketCloseStatus)int.Parse(command[1]), command.Length > 2 ? command[2] : "", CancellationToken.None);
                Console.WriteLine($"closed {(int?)ws.CloseStatus ?? 1005}");
                return;
            }
            if (r.MessageType == WebSocketMessageType.Text && buffer.AsSpan(0, count).StartsWith("fragment:"u8))
            {
                var colon = buffer.AsSpan(9, count - 9).IndexOf((byte)':') + 9;
                var n = int.Parse(Encoding.ASCII.GetString(buffer, 9, colon - 9));
                var body = buffer.AsMemory(colon + 1, count - colon - 1);
                var step = Math.Max(1, (body.Length + n - 1) / n);
                for (var i = 0; i < body.Length; i += step)
                {
                    await ws.SendAsync(body[i..Math.Min(body.Length, i + step)], WebSocketMessageType.Text, i + step >= body.Length, CancellationToken.None);
                }
                continue;
            }
            await ws.SendAsync(buffer.AsMemory(0, count), r.MessageType, true, CancellationToken.None);
        }
    }
    catch (WebSocketException e)
    {
        Console.WriteLine($"closed {(int?)ws.CloseStatus ?? 1006} ({e.WebSocketErrorCode})");
    }
}

// All requests to one /barrier/{name}/{n} wait until n of them arrived.
sealed class RequestBarrier(int count)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    public int Arrived => Volatile.Read(ref _arrived);

    public Task Arrive()
    {
        if (Interlocked.Increment(ref _arrived) >= count) _all.TrySetResult();
        return _all.Task;
    }
}
