using System.Security.Cryptography;
using System.Text;
using Torsion.Reactor;
using Torsion.Web.Http;

namespace Torsion.Web.WebSocket;

/// <summary>
/// The server side of the opening handshake (RFC 6455 section 4.2) for the <see cref="HttpHandler"/> path: checks the
/// request, answers 101 with Sec-WebSocket-Accept, the chosen subprotocol and permessage-deflate, and hands the
/// connection to a <see cref="WebSocketProtocol"/>. <see cref="WebSocketResource"/> does the same for a Site.
/// </summary>
public static class WebSocketUpgrade
{
    private static readonly byte[] Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    /// <summary>The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (section 4.2.2).</summary>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bytes = new byte[Encoding.ASCII.GetByteCount(key) + Guid.Length];
        var n = Encoding.ASCII.GetBytes(key, bytes);
        Guid.CopyTo(bytes, n);
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here; it proves the server read the key, it is no security measure.
        return Convert.ToBase64String(SHA1.HashData(bytes));
#pragma warning restore CA5350
    }

    /// <summary>
    /// Upgrades the request when it is a valid WebSocket opening handshake and returns the connection; otherwise
    /// answers 400, 403 or 426 (with Sec-WebSocket-Version: 13) and returns null. Attach
    /// <see cref="WebSocketProtocol.MessageReceived"/> to the result; messages wait until then.
    /// </summary>
    public static WebSocketProtocol? Accept(HttpServerRequest request, HttpServerResponse response, IReactorTime time, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var head = request.Head;
        var ws = TryAccept(head.KnownMethod == KnownMethod.Get, head.Version == HttpProtocolVersion.Http11, head.GetHeader, response, time, options ?? WebSocketOptions.Default, out var status, out var error);
        if (ws is null)
        {
            response.StatusCode = status;
            if (status == 426)
            {
                response.AddHeader("Sec-WebSocket-Version", "13");
            }

            response.AddHeader("Content-Type", "text/plain; charset=utf-8");
            response.Write(error + "\n");
            response.Finish();
        }

        return ws;
    }

    /// <summary>Checks the handshake; on success writes the 101 and upgrades, else gives the status and reason.</summary>
    internal static WebSocketProtocol? TryAccept(bool isGet, bool http11, Func<string, string?> header, HttpServerResponse response, IReactorTime time, WebSocketOptions options, out int status, out string error)
    {
        status = 400;
        error = "";
        if (!isGet || !http11)
        {
            error = "A WebSocket handshake must be an HTTP/1.1 GET request.";
            status = isGet ? 400 : 405;
            return null;
        }

        if (!HasToken(header("Upgrade"), "websocket"))
        {
            error = "The request lacks 'Upgrade: websocket'.";
            status = 426;
            return null;
        }

        if (!HasToken(header("Connection"), "upgrade"))
        {
            error = "The request lacks 'Connection: Upgrade'.";
            return null;
        }

        if (header("Sec-WebSocket-Version")?.Trim() != "13")
        {
            error = "Only WebSocket version 13 is supported (Sec-WebSocket-Version: 13).";
            status = 426;
            return null;
        }

        var key = header("Sec-WebSocket-Key")?.Trim();
        Span<byte> decoded = stackalloc byte[24];
        if (key is null || key.Length != 24 || !Convert.TryFromBase64String(key, decoded, out var keyLength) || keyLength != 16)
        {
            error = "Sec-WebSocket-Key must be 16 bytes in base64.";
            return null;
        }

        if (options.CheckOrigin is { } check && !check(header("Origin")))
        {
            error = "This origin may not open a WebSocket here.";
            status = 403;
            return null;
        }

        string? subprotocol = null;
        if (header("Sec-WebSocket-Protocol") is { } offered && options.Subprotocols.Count > 0)
        {
            var wanted = offered.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            subprotocol = options.Subprotocols.FirstOrDefault(p => wanted.Contains(p, StringComparer.Ordinal));
        }

        var extensions = PerMessageDeflate.Negotiate(header("Sec-WebSocket-Extensions"), options, out var deflate);
        response.AddHeader("Upgrade", "websocket");
        response.AddHeader("Sec-WebSocket-Accept", ComputeAccept(key));
        if (subprotocol is not null)
        {
            response.AddHeader("Sec-WebSocket-Protocol", subprotocol);
        }

        if (extensions is not null)
        {
            response.AddHeader("Sec-WebSocket-Extensions", extensions);
        }

        var ws = new WebSocketProtocol(isClient: false, time, options, subprotocol, deflate);
        response.Upgrade(ws);
        return ws;
    }

    internal static bool HasToken(string? value, string token)
    {
        if (value is null)
        {
            return false;
        }

        foreach (var part in value.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
