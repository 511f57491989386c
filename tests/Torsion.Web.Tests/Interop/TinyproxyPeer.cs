using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Torsion.TestPeers;

namespace Torsion.Web.Tests.Interop;

/// <summary>
/// A real HTTP proxy (Debian's tinyproxy, run in the foreground with <c>-d</c>) on 127.0.0.1:<see cref="Port"/>, with
/// its own config file: Basic authentication (<see cref="User"/>:<see cref="Password"/>) and CONNECT allowed only to the
/// ports given. Always stopped on Dispose.
/// </summary>
public sealed class TinyproxyPeer : IDisposable
{
    public const string User = "agent";
    public const string Password = "s3cret";
    private readonly Process _process;

    public TinyproxyPeer(params int[] connectPorts)
    {
        Root = Directory.CreateTempSubdirectory("torsion-tinyproxy-").FullName;
        try
        {
            // tinyproxy cannot bind port 0 and tell its port: a port taken between the pick and its bind makes it exit,
            // and it is started again on a fresh one (see PeerStart).
            (_process, Port) = PeerStart.OnFreshPorts(1, ports => (Start(ports[0], connectPorts), ports[0]));
        }
        catch
        {
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    private Process Start(int port, int[] connectPorts)
    {
        var config = $"""
            Port {port}
            Listen 127.0.0.1
            Timeout 30
            LogLevel Info
            LogFile "{Root}/tinyproxy.log"
            PidFile "{Root}/tinyproxy.pid"
            MaxClients 100
            Allow 127.0.0.1
            DisableViaHeader Yes
            BasicAuth {User} {Password}
            {string.Join("\n", connectPorts.Select(p => $"ConnectPort {p}"))}
            """;
        File.WriteAllText(Path.Combine(Root, "tinyproxy.conf"), config);
        var info = new ProcessStartInfo("/usr/bin/tinyproxy") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-d");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(Root, "tinyproxy.conf"));
        var process = Process.Start(info) ?? throw new InvalidOperationException("tinyproxy did not start (apt-get install tinyproxy)");
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(20);
            }
            catch (SocketException)
            {
                var exited = process.HasExited;
                if (!exited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.WaitForExit(20_000);
                process.Dispose();
                throw new InvalidOperationException($"tinyproxy did not listen on 127.0.0.1:{port} ({(exited ? "it exited" : "timeout")}): {errors.Result}{Log()}");
            }
        }
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>The proxy URI with the right credentials.</summary>
    public Uri Uri => new($"http://{User}:{Password}@127.0.0.1:{Port}");

    /// <summary>The proxy URI with no credentials.</summary>
    public Uri AnonymousUri => new($"http://127.0.0.1:{Port}");

    /// <summary>The proxy's log (what it did with each request).</summary>
    public string Log() => File.Exists(Path.Combine(Root, "tinyproxy.log")) ? File.ReadAllText(Path.Combine(Root, "tinyproxy.log")) : string.Empty;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(20_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(Root, recursive: true);
        }
    }
}
