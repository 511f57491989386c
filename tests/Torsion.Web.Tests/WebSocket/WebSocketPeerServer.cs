using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Torsion.Web.Tests.Interop;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>
/// A third-party WebSocket echo server (a script in Peers/: autobahn on Twisted, node-ws) started as a child process
/// on 127.0.0.1 and stopped on Dispose. It prints "ready" once listening and "closed CODE" for each connection that ends.
/// </summary>
public sealed class WebSocketPeerServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private ProcessLines _stdout;
    private readonly Task<string> _errors;

    public WebSocketPeerServer(string program, string script)
    {
        // The port is probed free and then handed to the peer, so another test may take it in between: the peer then
        // exits at once, and a fresh port is tried (a peer that is merely slow is not retried).
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(PeerScript(script));
            info.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.Environment["NODE_PATH"] = "/usr/share/nodejs";
            _process = Process.Start(info)!;
            _errors = _process.StandardError.ReadToEndAsync();
            _stdout = new ProcessLines(_process.StandardOutput);
            if (WaitForLine("ready", StartTimeout))
            {
                return;
            }

            var exited = _process.HasExited;
            Dispose();
            if (!exited || attempt == 3)
            {
                throw new InvalidOperationException($"{program} {script} did not start on port {Port} (attempt {attempt}): {Output()} {_errors.Result}");
            }

        }
    }

    /// <summary>Waits until the peer printed <paramref name="line"/>; false after the timeout or when the peer exited.</summary>
    public bool WaitForLine(string line, TimeSpan timeout) => _stdout.WaitForLine(line, timeout);

    /// <summary>What the peer printed so far, for failure messages.</summary>
    public string Output() => _stdout.Output();

    public int Port { get; private set; }

    /// <summary>The absolute path of a script in tests/Torsion.Web.Tests/WebSocket/Peers.</summary>
    public static string PeerScript(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Torsion.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Torsion.slnx not found above the test folder."), "tests", "Torsion.Web.Tests", "WebSocket", "Peers", name);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
