using System.Diagnostics;
using Torsion.Web.Tests.Interop;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>
/// A third-party WebSocket echo server (a script in Peers/: autobahn on Twisted, node-ws) started as a child process
/// on 127.0.0.1 and a port it binds itself (0), stopped on Dispose. It prints "port N" and "ready" once listening and
/// "closed CODE" for each connection that ends.
/// </summary>
public sealed class WebSocketPeerServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ProcessLines _stdout;
    private readonly Task<string> _errors;

    public WebSocketPeerServer(string program, string script)
    {
        // The peer binds port 0 itself and prints "port N" before "ready": no port is picked here that another test's
        // outgoing connection could take before the peer binds it.
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(PeerScript(script));
        info.ArgumentList.Add("0");
        info.Environment["NODE_PATH"] = "/usr/share/nodejs";
        _process = Process.Start(info)!;
        _errors = _process.StandardError.ReadToEndAsync();
        _stdout = new ProcessLines(_process.StandardOutput);
        var port = WaitForLine("ready", StartTimeout) ? ListeningPort(Output()) : null;
        if (port is null)
        {
            Dispose();
            throw new InvalidOperationException($"{program} {script} did not start: {Output()} {_errors.Result}");
        }

        Port = port.Value;
    }

    /// <summary>The port in the "port N" line a peer script prints before "ready"; null without one.</summary>
    public static int? ListeningPort(string output) =>
        output.Split('\n').FirstOrDefault(line => line.StartsWith("port ", StringComparison.Ordinal)) is { } line
            ? int.Parse(line.AsSpan(5).Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>Waits until the peer printed <paramref name="line"/>; false after the timeout or when the peer exited.</summary>
    public bool WaitForLine(string line, TimeSpan timeout) => _stdout.WaitForLine(line, timeout);

    /// <summary>What the peer printed so far, for failure messages.</summary>
    public string Output() => _stdout.Output();

    public int Port { get; }

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
}
