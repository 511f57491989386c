using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Web.Tests.Loopback;

/// <summary>A real reactor on its own thread, listening on 127.0.0.1 with the given factory.</summary>
public sealed class RunningServer : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly Thread _thread;

    public RunningServer(Func<ReactorBase, IProtocolFactory> factory, Func<ReactorBase>? reactor = null)
    {
        Reactor = reactor?.Invoke() ?? ReactorFactory.Create();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Reactor.CallFromThread(() =>
        {
            try
            {
                Factory = factory(Reactor);
                var port = Reactor.ListenTcp(0, Factory, 128, "127.0.0.1");
                listening.SetResult(((IPEndPoint)port.Host).Port);
            }
            catch (Exception e)
            {
                listening.SetException(e);
            }
        });
        _thread = new Thread(Reactor.Run) { IsBackground = true, Name = "web test reactor" };
        _thread.Start();
        Port = listening.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
    }

    public ReactorBase Reactor { get; }

    /// <summary>The factory the port was opened with.</summary>
    public IProtocolFactory? Factory { get; private set; }

    public int Port { get; }

    public Socket Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 20_000, SendTimeout = 20_000 };
        socket.Connect(IPAddress.Loopback, Port);
        return socket;
    }

    public static void Send(Socket socket, string text) => socket.Send(Encoding.Latin1.GetBytes(text));

    /// <summary>Reads until <paramref name="count"/> responses ending with <paramref name="endMarker"/> arrived, or the peer closed.</summary>
    public static string ReceiveUntil(Socket socket, Func<string, bool> done)
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (!done(text.ToString()))
        {
            var n = socket.Receive(buffer);
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    public static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public void Dispose()
    {
        Reactor.CallFromThread(() =>
        {
            if (Reactor.Running)
            {
                Reactor.Stop();
            }
        });
        _thread.Join(Timeout);
        Reactor.Dispose();
    }
}
