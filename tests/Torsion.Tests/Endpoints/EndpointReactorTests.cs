using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Application;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.TestPeers;
using Torsion.Tests.Reactor;
using Torsion.Tests.Tls;

namespace Torsion.Tests.Endpoints;

using Endpoints = Torsion.Endpoints.Endpoints;

/// <summary>Endpoints on the real epoll reactor, with loopback sockets and real peer programs (HAProxy, a socket-activated child).</summary>
public sealed class EndpointReactorTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    /// <summary>Writes "peer=ADDRESS\n" when connected, then echoes.</summary>
    private sealed class PeerEcho : Protocol
    {
        public override void ConnectionMade() => Transport.Write(Encoding.ASCII.GetBytes($"peer={Transport.Peer}\n"));

        public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
    }

    /// <summary>Collects what it receives; completes when a line has arrived.</summary>
    private sealed class LineCollector : Protocol
    {
        private readonly StringBuilder _text = new();

        public TaskCompletionSource<string> Line { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            _text.Append(Encoding.ASCII.GetString(data));
            var text = _text.ToString();
            if (text.Contains('\n', StringComparison.Ordinal))
            {
                Line.TrySetResult(text[..text.IndexOf('\n', StringComparison.Ordinal)]);
            }
        }
    }

    private async Task<T> OnDeferred<T>(Func<Deferred<T>> start)
    {
        var task = await On(() => start().AsTask());
        return await Within(task);
    }

    private async Task<int> ListenOn(string description, IProtocolFactory factory)
    {
        var port = await OnDeferred(() => Endpoints.Server(Reactor, description).Listen(factory));
        return ((IPEndPoint)port.Host).Port;
    }

    private static async Task<string> ReadLine(Socket socket, int lines = 1)
    {
        var buffer = new byte[512];
        var text = new StringBuilder();
        while (text.ToString().Count(c => c == '\n') < lines)
        {
            var n = await socket.ReceiveAsync(buffer).WaitAsync(Timeout);
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString().TrimEnd('\n');
    }

    [Fact]
    public async Task Tcp_server_and_client_strings_connect()
    {
        var port = await ListenOn("tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var protocol = await OnDeferred(() => Endpoints.Client(Reactor, $"tcp:host=127.0.0.1:port={port}:timeout=5").Connect(Factory.ForProtocol(() => new LineCollector())));
        var line = await Within(((LineCollector)protocol).Line.Task);
        Assert.StartsWith("peer=127.0.0.1:", line);
    }

    [Fact]
    public async Task ConnectProtocol_connects_the_given_instance()
    {
        var port = await ListenOn("tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var mine = new LineCollector();
        var protocol = await OnDeferred(() => Endpoints.ConnectProtocol(Endpoints.Client(Reactor, $"tcp:127.0.0.1:{port}"), mine));
        Assert.Same(mine, protocol);
        await Within(mine.Line.Task);
    }

    [Fact]
    public async Task Port_in_use_fails_the_listen()
    {
        var port = await ListenOn("tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var error = await Assert.ThrowsAsync<Torsion.Transports.CannotListenException>(() => ListenOn($"tcp:{port}:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho())));
        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public async Task Unix_server_and_client_strings_connect()
    {
        var path = Path.Combine(Path.GetTempPath(), $"torsion-ep-{Guid.NewGuid():N}.sock");
        await OnDeferred(() => Endpoints.Server(Reactor, $"unix:{path}:mode=600").Listen(Factory.ForProtocol(() => new PeerEcho())));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var protocol = await OnDeferred(() => Endpoints.Client(Reactor, $"unix:path={path}:timeout=5").Connect(Factory.ForProtocol(() => new LineCollector())));
        Assert.StartsWith("peer=", await Within(((LineCollector)protocol).Line.Task));
    }

    [Fact]
    public async Task Happy_eyeballs_falls_back_from_refused_IPv6_to_listening_IPv4()
    {
        var port = await ListenOn("tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var resolver = new FakeHostResolver("::1", "127.0.0.1");
        var protocol = await OnDeferred(() => new HostnameEndpoint(Reactor, "service.test", port, resolver).Connect(Factory.ForProtocol(() => new LineCollector())));
        Assert.StartsWith("peer=127.0.0.1:", await Within(((LineCollector)protocol).Line.Task));
        Assert.Equal(["service.test"], resolver.Asked);
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_with_connection_refused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, not listening: connecting is refused
        await Assert.ThrowsAsync<Torsion.Transports.ConnectionRefusedException>(() =>
            OnDeferred(() => Endpoints.Client(Reactor, $"tcp:127.0.0.1:{port}").Connect(Factory.ForProtocol(() => new LineCollector()))));
    }

    [Fact]
    public async Task Ssl_server_and_tls_client_strings_connect()
    {
        var certs = TestCertificates.Shared;
        var port = await ListenOn($"ssl:0:certKey={certs.ServerRsa.ChainPemFile}:privateKey={certs.ServerRsa.PrivateKeyPemFile}:interface=127.0.0.1",
            Factory.ForProtocol(() => new PeerEcho()));
        var client = Endpoints.Client(Reactor, $"tls:localhost:{port}:trustRoots={certs.CaFile}", new FakeHostResolver("127.0.0.1"));
        var protocol = await OnDeferred(() => client.Connect(Factory.ForProtocol(() => new LineCollector())));
        Assert.StartsWith("peer=127.0.0.1:", await Within(((LineCollector)protocol).Line.Task));
    }

    [Fact]
    public async Task Proxy_endpoint_shows_the_client_named_in_the_header()
    {
        var port = await ListenOn("proxy:tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
        await socket.SendAsync("PROXY TCP4 203.0.113.9 127.0.0.1 41000 80\r\nping\n"u8.ToArray()).WaitAsync(Timeout);
        Assert.Equal("peer=203.0.113.9:41000\nping", await ReadLine(socket, lines: 2));
    }

    [Fact]
    public async Task Client_service_connects_on_the_real_reactor_and_stops()
    {
        var port = await ListenOn("tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var service = await On(() => new ClientService(Endpoints.Client(Reactor, $"tcp:127.0.0.1:{port}"), Factory.ForProtocol(() => new LineCollector()), Reactor));
        await On(service.StartService);
        var protocol = await OnDeferred(service.WhenConnected);
        await Within(((LineCollector)protocol).Line.Task);
        await OnDeferred(service.StopService);
        Assert.False(((Protocol)protocol).Connected);
    }

    [Fact]
    public async Task Systemd_activated_child_serves_on_the_inherited_socket()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var fd = (int)listener.Handle;
        var child = Path.Combine(AppContext.BaseDirectory, "Torsion.Endpoints.Child.dll");
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The shell moves the socket to descriptor 3 and sets LISTEN_PID to its own pid, which exec keeps for dotnet.
        foreach (var arg in new[] { "-c", $"exec 3<&{fd} {fd}<&-; LISTEN_FDS=1 LISTEN_PID=$$ LISTEN_FDNAMES=echo exec \"$@\"", "sh", Environment.ProcessPath ?? "dotnet", child, "systemd:domain=INET:index=0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("LISTEN_FDS");
        Process process;
        SetInheritable(fd, true);
        try
        {
            process = Process.Start(start)!;
        }
        finally
        {
            SetInheritable(fd, false);
        }

        using (process)
        {
            try
            {
                var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(Timeout);
                Assert.True(ready?.StartsWith("listening on 127.0.0.1:", StringComparison.Ordinal), $"child said: {ready} {await ReadErrors(process)}");
                listener.Close(); // only the child accepts now
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, int.Parse(ready!.Split(':')[^1]))).WaitAsync(Timeout);
                await socket.SendAsync("activated\n"u8.ToArray()).WaitAsync(Timeout);
                Assert.Equal("activated", await ReadLine(socket));
                process.StandardInput.Close();
                await process.WaitForExitAsync().WaitAsync(Timeout);
                Assert.Equal(0, process.ExitCode);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static async Task<string> ReadErrors(Process process)
    {
        try
        {
            return await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            return "";
        }
    }

    private static void SetInheritable(int fd, bool inheritable)
    {
        const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
        var flags = Fcntl(fd, F_GETFD, 0);
        Assert.True(flags >= 0, "fcntl(F_GETFD) failed");
        Assert.Equal(0, Fcntl(fd, F_SETFD, inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int cmd, int arg);

    [Fact]
    public async Task HAProxy_send_proxy_v2_and_v1_show_the_real_client()
    {
        var haproxy = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy" }.FirstOrDefault(File.Exists);
        Assert.True(haproxy is not null, "haproxy is not installed (test.sh installs the Debian package haproxy)");
        var backend = await ListenOn("proxy:tcp:0:interface=127.0.0.1", Factory.ForProtocol(() => new PeerEcho()));
        var config = Path.Combine(Path.GetTempPath(), $"torsion-haproxy-{Guid.NewGuid():N}.cfg");
        var start = new ProcessStartInfo(haproxy!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-db", "-f", config })
        {
            start.ArgumentList.Add(arg);
        }

        // haproxy cannot bind port 0 and tell its ports: a port taken between the pick and its bind makes it exit, and
        // it is started again on fresh ones. Both fronts must answer before it counts as started: it listens on the one
        // it bound before it finds the other in use and exits.
        Process? process = null;
        try
        {
            var (v2, v1) = await PeerStart.OnFreshPortsAsync(2, async ports =>
            {
                await File.WriteAllTextAsync(config, HaproxyConfig(ports[0], ports[1], backend));
                process = Process.Start(start)!;
                Socket? first = null;
                try
                {
                    first = await ConnectWhenListening(ports[0], process);
                    return (first, await ConnectWhenListening(ports[1], process));
                }
                catch
                {
                    first?.Dispose();
                    await Stop(process);
                    process.Dispose();
                    process = null;
                    throw;
                }
            });
            foreach (var socket in new[] { v2, v1 })
            {
                using (socket)
                {
                    Assert.Equal($"peer={socket.LocalEndPoint}", await ReadLine(socket));
                }
            }
        }
        finally
        {
            if (process is not null)
            {
                await Stop(process);
                process.Dispose();
            }

            File.Delete(config);
        }
    }

    /// <summary>Front <paramref name="front2"/> sends PROXY v2 to the backend, <paramref name="front1"/> PROXY v1.</summary>
    private static string HaproxyConfig(int front2, int front1, int backend) => $"""
        global
            maxconn 64
        defaults
            mode tcp
            timeout connect 5s
            timeout client 30s
            timeout server 30s
        frontend v2
            bind 127.0.0.1:{front2}
            default_backend torsion_v2
        frontend v1
            bind 127.0.0.1:{front1}
            default_backend torsion_v1
        backend torsion_v2
            server s1 127.0.0.1:{backend} send-proxy-v2
        backend torsion_v1
            server s1 127.0.0.1:{backend} send-proxy

        """;

    private static async Task Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(Timeout);
    }

    /// <summary>HAProxy binds shortly after starting: retry connecting (each refusal is immediate on loopback) until it listens.</summary>
    private static async Task<Socket> ConnectWhenListening(int port, Process process)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                socket.Dispose();
                await Task.Yield();
            }
            catch
            {
                socket.Dispose();
                throw new InvalidOperationException($"haproxy does not listen on {port}: {(process.HasExited ? await process.StandardError.ReadToEndAsync() : "still starting")}");
            }
        }
    }

}
