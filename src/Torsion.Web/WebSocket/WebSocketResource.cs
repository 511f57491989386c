using Torsion.Web.Server;

namespace Torsion.Web.WebSocket;

/// <summary>
/// A leaf <see cref="Resource"/> that upgrades GET requests to WebSocket (RFC 6455 section 4.2) and calls
/// <c>onOpen</c> with each connection; anything else gets 400/403/405/426 with a reason.
/// </summary>
public sealed class WebSocketResource : Resource
{
    private readonly Action<WebSocketProtocol, Request> _onOpen;

    /// <summary>Makes the resource.</summary>
    /// <param name="onOpen">Called with each new connection (attach <see cref="WebSocketProtocol.MessageReceived"/> here).</param>
    /// <param name="options">Settings; null: the defaults.</param>
    public WebSocketResource(Action<WebSocketProtocol, Request> onOpen, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onOpen);
        _onOpen = onOpen;
        Options = options ?? WebSocketOptions.Default;
    }

    /// <summary>A resource that echoes every message back (what <c>torsion web --websocket-echo</c> serves).</summary>
    public static WebSocketResource Echo(WebSocketOptions? options = null) =>
        new((ws, _) => ws.MessageReceived += (sender, type, payload) =>
        {
            if (sender.IsOpen)
            {
                sender.Send(type, payload);
            }
        }, options);

    /// <summary>The settings of the connections.</summary>
    public WebSocketOptions Options { get; }

    /// <inheritdoc/>
    public override bool IsLeaf => true;

    /// <inheritdoc/>
    public override RenderResult Render(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ws = WebSocketUpgrade.TryAccept(
            request.Method == "GET",
            request.ClientProtocol == "HTTP/1.1",
            request.GetHeader,
            request.Response,
            request.Time,
            Options,
            out var status,
            out var error);
        if (ws is null)
        {
            request.SetResponseCode(status);
            if (status == 426)
            {
                request.SetHeader("Sec-WebSocket-Version", "13");
            }

            if (status == 405)
            {
                request.SetHeader("Allow", "GET");
            }

            request.SetHeader("Content-Type", "text/plain; charset=utf-8");
            return error + "\n";
        }

        _onOpen(ws, request);
        return RenderResult.NotDoneYet;
    }
}
