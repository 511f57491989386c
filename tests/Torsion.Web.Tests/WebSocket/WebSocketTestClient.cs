using System.Threading.Channels;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>
/// Our <see cref="WebSocketClient"/> on its own real reactor thread, with a blocking-friendly face for tests: received
/// messages are queued, every call is marshalled to the reactor, and every wait has a timeout that fails the test.
/// </summary>
public sealed class WebSocketTestClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ReactorBase _reactor = ReactorFactory.Create();
    private readonly Thread _thread;
    private readonly Channel<(WebSocketMessageType Type, byte[] Data)> _messages = Channel.CreateUnbounded<(WebSocketMessageType, byte[])>();
    private readonly TaskCompletionSource<WebSocketCloseInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocketProtocol? _ws;

    private WebSocketTestClient()
    {
        _thread = new Thread(_reactor.Run) { IsBackground = true, Name = "websocket test client reactor" };
        _thread.Start();
    }

    /// <summary>The open connection; touch it only through <see cref="OnReactor{T}"/>.</summary>
    public WebSocketProtocol Protocol => _ws ?? throw new InvalidOperationException("not connected");

    /// <summary>Fires when the connection ended, with how it ended.</summary>
    public Task<WebSocketCloseInfo> Closed => _closed.Task;

    /// <summary>Connects and waits for the opening handshake.</summary>
    public static WebSocketTestClient Connect(Uri uri, WebSocketOptions options)
    {
        var client = new WebSocketTestClient();
        try
        {
            var opened = new TaskCompletionSource<WebSocketProtocol>(TaskCreationOptions.RunContinuationsAsynchronously);
            client._reactor.CallFromThread(() => WebSocketClient.Connect(client._reactor, uri, options).AddCallbacks(
                ws =>
                {
                    ws.MessageReceived += (_, type, data) => client._messages.Writer.TryWrite((type, data.ToArray()));
                    ws.WhenClosed.AddCallback(info =>
                    {
                        client._closed.TrySetResult(info);
                        return info;
                    });
                    opened.TrySetResult(ws);
                    return ws;
                },
                e =>
                {
                    opened.TrySetException(e);
                    return null!;
                }));
            client._ws = opened.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> on the reactor thread and returns its result.</summary>
    public T OnReactor<T>(Func<WebSocketProtocol, T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.CallFromThread(() =>
        {
            try
            {
                done.SetResult(action(Protocol));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
    }

    public void SendText(string text) => OnReactor(ws =>
    {
        ws.SendText(text);
        return 0;
    });

    public void SendBinary(byte[] data) => OnReactor(ws =>
    {
        ws.SendBinary(data);
        return 0;
    });

    public void Close(ushort code, string reason) => OnReactor(ws =>
    {
        ws.Close(code, reason);
        return 0;
    });

    /// <summary>Sends a ping and waits for its pong.</summary>
    public void Ping(byte[] payload)
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        OnReactor(ws => ws.Ping(payload).AddCallbacks(
            _ =>
            {
                pong.TrySetResult();
                return Unit.Value;
            },
            e =>
            {
                pong.TrySetException(e);
                return Unit.Value;
            }));
        pong.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
    }

    /// <summary>The next message received.</summary>
    public (WebSocketMessageType Type, byte[] Data) Receive() =>
        _messages.Reader.ReadAsync().AsTask().WaitAsync(Timeout).GetAwaiter().GetResult();

    /// <summary>Waits for the end of the connection.</summary>
    public WebSocketCloseInfo WaitClosed() => _closed.Task.WaitAsync(Timeout).GetAwaiter().GetResult();

    public void Dispose()
    {
        _reactor.CallFromThread(() =>
        {
            if (_ws is { IsOpen: true })
            {
                _ws.Transport.AbortConnection();
            }

            if (_reactor.Running)
            {
                _reactor.Stop();
            }
        });
        _thread.Join(Timeout);
        _reactor.Dispose();
    }
}
