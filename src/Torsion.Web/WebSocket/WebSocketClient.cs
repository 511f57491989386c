using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Transports;

namespace Torsion.Web.WebSocket;

/// <summary>
/// Opens WebSocket connections (RFC 6455 section 4.1): connects over TCP (ws://) or TLS (wss://), sends the opening
/// request with a random key, checks the 101 answer (Upgrade, Connection, Sec-WebSocket-Accept, the subprotocol and
/// extensions) and fires with the open <see cref="WebSocketProtocol"/>.
/// </summary>
public static class WebSocketClient
{
    /// <summary>The largest 101 response head accepted.</summary>
    public const int MaxResponseHeadSize = 16 * 1024;

    /// <summary>Connects to <paramref name="uri"/>; fails with <see cref="WebSocketProtocolException"/> when the server refuses or answers wrongly.</summary>
    /// <param name="reactor">The reactor the connection lives on.</param>
    /// <param name="uri">A ws:// or wss:// address.</param>
    /// <param name="options">Settings; null: the defaults.</param>
    public static Deferred<WebSocketProtocol> Connect(IReactor reactor, Uri uri, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(uri);
        options ??= WebSocketOptions.Default;
        var secure = uri.Scheme switch
        {
            "ws" => false,
            "wss" => true,
            _ => throw new ArgumentException($"'{uri}' is not a ws:// or wss:// address.", nameof(uri)),
        };
        var port = uri.IsDefaultPort ? (secure ? 443 : 80) : uri.Port;
        var host = uri.IdnHost;
        IStreamClientEndpoint endpoint = IPAddress.TryParse(host, out var address)
            ? new TcpClientEndpoint(reactor, address, port, options.HandshakeTimeout)
            : Endpoints.Endpoints.Client(reactor, $"tcp:host={host}:port={port}:timeout={(int)Math.Ceiling(options.HandshakeTimeout.TotalSeconds)}");
        if (secure)
        {
            endpoint = new TlsClientEndpoint(endpoint, options.Tls ?? TlsOptions.Client(host));
        }

        var handshake = new Handshake(reactor, uri, options);
        Endpoints.Endpoints.ConnectProtocol(endpoint, handshake).AddErrback((Func<Exception, IProtocol>)(e =>
        {
            handshake.Fail(e);
            return handshake;
        }));
        return handshake.Result.AddTimeout(options.HandshakeTimeout, reactor);
    }

    /// <summary>Speaks HTTP until the 101, then hands the connection to the WebSocket protocol.</summary>
    private sealed class Handshake(IReactorTime time, Uri uri, WebSocketOptions options) : Protocol
    {
        private readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        private readonly ArrayBufferWriter<byte> _head = new();
        private WebSocketProtocol? _ws;

        public Deferred<WebSocketProtocol> Result { get; } = new();

        public void Fail(Exception e)
        {
            if (!Result.Called)
            {
                Result.Errback(e);
            }
        }

        public override void ConnectionMade()
        {
            var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
            var request = new StringBuilder();
            request.Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
            request.Append("Host: ").Append(host).Append("\r\n");
            request.Append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
            request.Append("Sec-WebSocket-Key: ").Append(_key).Append("\r\n");
            request.Append("Sec-WebSocket-Version: 13\r\n");
            if (options.Subprotocols.Count > 0)
            {
                request.Append("Sec-WebSocket-Protocol: ").Append(string.Join(", ", options.Subprotocols)).Append("\r\n");
            }

            if (PerMessageDeflate.Offer(options) is { } offer)
            {
                request.Append("Sec-WebSocket-Extensions: ").Append(offer).Append("\r\n");
            }

            foreach (var (name, value) in options.Headers)
            {
                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            request.Append("\r\n");
            Transport.Write(Encoding.Latin1.GetBytes(request.ToString()));
        }

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            if (_ws is not null)
            {
                _ws.DataReceived(data);
                return;
            }

            if (Result.Called)
            {
                return;
            }

            var before = _head.WrittenCount;
            _head.Write(data);
            var end = _head.WrittenSpan.IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                if (_head.WrittenCount > MaxResponseHeadSize)
                {
                    Reject($"The server's response head is longer than {MaxResponseHeadSize} bytes.");
                }

                return;
            }

            var headText = Encoding.Latin1.GetString(_head.WrittenSpan[..end]);
            var rest = data[(end + 4 - before)..];
            try
            {
                _ws = Validate(headText);
            }
            catch (WebSocketProtocolException e)
            {
                Reject(e.Message);
                return;
            }

            _ws.MakeConnection(Transport);
            Result.Callback(_ws);
            _ws.DeliverInitial(rest);
        }

        public override void ConnectionLost(Exception reason)
        {
            if (_ws is not null)
            {
                ((IProtocol)_ws).ConnectionLost(reason);
                return;
            }

            Fail(new WebSocketProtocolException($"The connection to {uri} closed during the opening handshake: {reason.Message}"));
        }

        private void Reject(string message)
        {
            Fail(new WebSocketProtocolException($"{uri}: {message}"));
            Transport.AbortConnection();
        }

        private WebSocketProtocol Validate(string head)
        {
            var lines = head.Split("\r\n");
            var status = lines[0].Split(' ', 3);
            if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || status[1] != "101")
            {
                throw new WebSocketProtocolException($"The server answered '{lines[0]}' instead of 101 Switching Protocols.");
            }

            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.AsSpan(1))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    throw new WebSocketProtocolException($"The server's header line '{line}' is malformed.");
                }

                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                fields[name] = fields.TryGetValue(name, out var old) ? old + ", " + value : value;
            }

            string? Get(string name) => fields.TryGetValue(name, out var v) ? v : null;
            if (!WebSocketUpgrade.HasToken(Get("Upgrade"), "websocket"))
            {
                throw new WebSocketProtocolException("The server's 101 lacks 'Upgrade: websocket'.");
            }

            if (!WebSocketUpgrade.HasToken(Get("Connection"), "upgrade"))
            {
                throw new WebSocketProtocolException("The server's 101 lacks 'Connection: Upgrade'.");
            }

            if (Get("Sec-WebSocket-Accept") != WebSocketUpgrade.ComputeAccept(_key))
            {
                throw new WebSocketProtocolException("The server's Sec-WebSocket-Accept does not match the key sent.");
            }

            var subprotocol = Get("Sec-WebSocket-Protocol");
            if (subprotocol is not null && !options.Subprotocols.Contains(subprotocol, StringComparer.Ordinal))
            {
                throw new WebSocketProtocolException($"The server chose the subprotocol '{subprotocol}', which was not offered.");
            }

            var deflate = PerMessageDeflate.Accept(Get("Sec-WebSocket-Extensions"), options);
            return new WebSocketProtocol(isClient: true, time, options, subprotocol, deflate);
        }
    }
}
