using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Defer;
using Torsion.Web.Server;
using Torsion.Web.Tests.Loopback;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>
/// Our server and client on the real reactor, against each other and against python3-websockets, autobahn and node-ws
/// (Debian packages installed by test.sh), all on 127.0.0.1.
/// </summary>
public sealed class WebSocketInteropTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RunningServer _server;

    public WebSocketInteropTests()
    {
        var root = new Resource();
        root.PutChild("echo", WebSocketResource.Echo(new WebSocketOptions { MaxMessageSize = 4 << 20 }));
        _server = new RunningServer(reactor => new Site(root, reactor));
    }

    public void Dispose() => _server.Dispose();

    private string Url => $"ws://127.0.0.1:{_server.Port}/echo";

    private static string PeerScript(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "Torsion.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Torsion.slnx not found above the test folder."), "tests", "Torsion.Web.Tests", "WebSocket", "Peers", name);
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["NODE_PATH"] = "/usr/share/nodejs";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    [Fact]
    public void Python_websockets_client_echoes_text_binary_ping_and_closes_1000()
    {
        var (code, output) = Run("/usr/bin/python3", PeerScript("ws_client.py"), Url);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Autobahn_client_echoes_and_closes_cleanly()
    {
        var (code, output) = Run("/usr/bin/python3", PeerScript("ab_client.py"), Url);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Node_ws_client_echoes_pings_and_closes_1000()
    {
        var (code, output) = Run("node", PeerScript("node_client.js"), Url);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Our_client_echoes_through_our_server()
    {
        var (text, blob, info) = EchoWithOurClient(new Uri(Url));
        Assert.Equal("hello é漢", text);
        Assert.Equal(256 * 1024, blob.Length);
        Assert.Equal(1000, info.Code);
        Assert.True(info.WasClean);
    }

    [Fact]
    public void Our_client_echoes_through_the_python_websockets_server()
    {
        // The peer binds port 0 itself and prints "port N" then "ready".
        var info = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(PeerScript("ws_server.py"));
        info.ArgumentList.Add("0");
        info.ArgumentList.Add("127.0.0.1");
        using var peer = Process.Start(info)!;
        try
        {
            var lines = new Interop.ProcessLines(peer.StandardOutput);
            var port = lines.WaitForLine("ready", Timeout) ? WebSocketPeerServer.ListeningPort(lines.Output()) : null;
            if (port is null)
            {
                peer.Kill(entireProcessTree: true);
                Assert.Fail($"ws_server.py did not start: {lines.Output()} {peer.StandardError.ReadToEnd()}");
            }

            var (text, blob, close) = EchoWithOurClient(new Uri($"ws://127.0.0.1:{port}/"));
            Assert.Equal("hello é漢", text);
            Assert.Equal(256 * 1024, blob.Length);
            Assert.Equal(1000, close.Code);
        }
        finally
        {
            peer.Kill(entireProcessTree: true);
            peer.WaitForExit(10_000);
        }
    }

    private (string Text, byte[] Blob, WebSocketCloseInfo Close) EchoWithOurClient(Uri uri)
    {
        var blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        var done = new TaskCompletionSource<(string, byte[], WebSocketCloseInfo)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Reactor.CallFromThread(() =>
        {
            WebSocketClient.Connect(_server.Reactor, uri, new WebSocketOptions { MaxMessageSize = 4 << 20 }).AddCallbacks(
                ws =>
                {
                    string? text = null;
                    byte[]? echoed = null;
                    ws.MessageReceived += (s, type, data) =>
                    {
                        if (text is null)
                        {
                            text = Encoding.UTF8.GetString(data);
                            s.SendBinary(blob);
                            return;
                        }

                        echoed = data.ToArray();
                        s.Ping("p"u8).AddCallback(_ =>
                        {
                            s.Close(1000, "bye");
                            return Unit.Value;
                        });
                    };
                    ws.WhenClosed.AddCallback(info =>
                    {
                        done.TrySetResult((text ?? "", echoed ?? [], info));
                        return info;
                    });
                    ws.SendText("hello é漢");
                    return ws;
                },
                e =>
                {
                    done.TrySetException(e);
                    return null!;
                });
        });
        var result = done.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
        Assert.Equal(blob, result.Item2);
        return result;
    }
}
