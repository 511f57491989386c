using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Cred;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Protocols.Socks;
using Torsion.Protocols.Wire;
using Torsion.Reactor;
using Torsion.TestPeers;
using Torsion.Tests.Reactor;
using Torsion.Tests.Tls;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Socks;

/// <summary>
/// SOCKS on the real epoll reactor over loopback: our client through our server, curl through our server, and our
/// client through Debian's dante-server and microsocks (test.sh installs them).
/// </summary>
public sealed class SocksReactorTests : ReactorHarness
{
    private const string Body = "hello through socks\n";

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    /// <summary>Answers "localhost" from a table, as /etc/hosts does here; nothing reaches the network resolver.</summary>
    private sealed class LocalhostResolver : IHostResolver
    {
        public Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName) =>
            hostName == "localhost"
                ? Deferred.Succeed<IReadOnlyList<IPAddress>>([IPAddress.Loopback])
                : Deferred.Fail<IReadOnlyList<IPAddress>>(new DnsLookupException($"'{hostName}' is not in the test's table."));
    }

    private sealed class Echo : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
    }

    /// <summary>Enough HTTP for curl: answers the first request with <see cref="Body"/> and closes.</summary>
    private sealed class HttpResponder : Protocol
    {
        private readonly StringBuilder _request = new();

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            _request.Append(Encoding.ASCII.GetString(data));
            if (_request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                Transport.Write(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}"));
                Transport.LoseConnection();
            }
        }
    }

    /// <summary>Counts what comes back; completes when <paramref name="expected"/> bytes have arrived.</summary>
    private sealed class Collector(int expected) : Protocol
    {
        private readonly MemoryStream _received = new();

        public TaskCompletionSource<byte[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            _received.Write(data);
            if (_received.Length >= expected)
            {
                Done.TrySetResult(_received.ToArray());
            }
        }

        public override void ConnectionLost(Exception reason) => Done.TrySetException(reason);
    }

    private async Task<T> OnDeferred<T>(Func<Deferred<T>> start)
    {
        var task = await On(() => start().AsTask());
        return await Within(task);
    }

    private Task<int> ListenOn(IProtocolFactory factory) => On(() => ((IPEndPoint)Reactor.ListenTcp(0, factory, 50, "127.0.0.1").Host).Port);

    private Task<int> Proxy(ICredentialsChecker? checker = null, ISocksAccessRule? rule = null) =>
        ListenOn(new SocksServerFactory(Reactor, checker, new LocalhostResolver(), rule));

    private async Task<byte[]> RoundTrip(SocksClientEndpoint endpoint, byte[] payload)
    {
        var protocol = (Collector)await OnDeferred(() => endpoint.Connect(Factory.ForProtocol(() => new Collector(payload.Length))));
        await On(() => protocol.Transport.Write(payload));
        return await Within(protocol.Done.Task);
    }

    private SocksClientEndpoint Through(int proxyPort, string host, int port, SocksVersion version, string? user = null, string? password = null) =>
        new(new TcpClientEndpoint(Reactor, IPAddress.Loopback, proxyPort), host, port, version, user, password);

    /// <summary>Starts a peer that cannot bind port 0 on a fresh port, and again on another when it did not listen (see <see cref="PeerStart"/>).</summary>
    private static Task<(PeerProcess Peer, int Port)> StartOnFreshPort(Func<int, PeerProcess> start) =>
        PeerStart.OnFreshPortsAsync(1, async ports =>
        {
            var peer = start(ports[0]);
            try
            {
                await WaitUntilListening(ports[0], peer);
                return (peer, ports[0]);
            }
            catch
            {
                peer.Dispose();
                throw;
            }
        });

    private static async Task WaitUntilListening(int port, PeerProcess peer)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !peer.HasExited)
            {
                // Not listening yet: a readiness poll with a deadline (the peer gives no other signal).
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"The peer did not listen on {port} ({(peer.HasExited ? "it exited" : "not in time")}). Its output:\n{peer.Output}", e);
            }
        }
    }

    private static string Need(string program)
    {
        foreach (var directory in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            var path = Path.Combine(directory, program);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"{program} is not installed: run test.sh as root (it installs dante-server, microsocks, curl).");
    }

    private static async Task<string> Curl(params string[] arguments)
    {
        using var curl = PeerProcess.Start(Need("curl"), ["-sS", "--max-time", "20", .. arguments]);
        var status = await curl.WaitForExit(Timeout);
        Assert.True(status == 0, $"curl {string.Join(' ', arguments)} exited {status}: {curl.Output}");
        return curl.Output;
    }

    // ---- our client through our server

    [Theory]
    [InlineData(SocksVersion.Socks4, "127.0.0.1")]
    [InlineData(SocksVersion.Socks4a, "localhost")]
    [InlineData(SocksVersion.Socks5, "127.0.0.1")]
    [InlineData(SocksVersion.Socks5, "localhost")]
    public async Task Our_client_through_our_server_reaches_an_echo(SocksVersion version, string host)
    {
        var proxy = await Proxy();
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        var echoed = await RoundTrip(Through(proxy, host, echo, version), "ping"u8.ToArray());
        Assert.Equal("ping", Encoding.ASCII.GetString(echoed));
    }

    [Fact]
    public async Task Four_megabytes_cross_the_relay_both_ways_under_flow_control()
    {
        var proxy = await Proxy();
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        var payload = new byte[4 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        var echoed = await RoundTrip(Through(proxy, "127.0.0.1", echo, SocksVersion.Socks5), payload);
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public async Task Our_client_logs_in_to_our_server()
    {
        var proxy = await Proxy(new InMemoryUsernamePasswordChecker([new("alice", "pw")]));
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        Assert.Equal("ok", Encoding.ASCII.GetString(await RoundTrip(Through(proxy, "127.0.0.1", echo, SocksVersion.Socks5, "alice", "pw"), "ok"u8.ToArray())));
        var refused = await Assert.ThrowsAsync<SocksAuthenticationException>(() => RoundTrip(Through(proxy, "127.0.0.1", echo, SocksVersion.Socks5, "alice", "bad"), "x"u8.ToArray()));
        Assert.Contains("refused the username/password of 'alice'", refused.Message);
    }

    [Fact]
    public async Task Refused_destination_port_reports_connection_refused()
    {
        var proxy = await Proxy();
        var closed = PeerStart.FreePort();
        var e = await Assert.ThrowsAsync<SocksReplyException>(() => RoundTrip(Through(proxy, "127.0.0.1", closed, SocksVersion.Socks5), "x"u8.ToArray()));
        Assert.Equal(Socks5ReplyCode.ConnectionRefused, e.Socks5Code);
    }

    [Fact]
    public async Task Access_rule_refusal_reaches_the_client_as_not_allowed()
    {
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        var proxy = await Proxy(rule: new SocksAccessList().Deny($"127.0.0.1:{echo}"));
        var e = await Assert.ThrowsAsync<SocksReplyException>(() => RoundTrip(Through(proxy, "127.0.0.1", echo, SocksVersion.Socks5), "x"u8.ToArray()));
        Assert.Equal(Socks5ReplyCode.NotAllowed, e.Socks5Code);
    }

    [Fact]
    public async Task Udp_associate_relays_datagrams_to_an_echo_and_back()
    {
        var proxy = await Proxy();
        var udpEcho = await On(() => ((IPEndPoint)Reactor.ListenUdp(0, new EchoDatagramProtocol(), "127.0.0.1").Host).Port);
        using var control = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await control.ConnectAsync(IPAddress.Loopback, proxy).WaitAsync(Timeout);
        await control.SendAsync(new byte[] { 5, 1, 0 });
        await control.SendAsync(SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.UdpAssociate, new SocksAddress(IPAddress.Any, 0))));
        var buffer = new byte[64];
        var got = 0;
        while (got < 12)
        {
            var n = await control.ReceiveAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Timeout);
            Assert.True(n > 0, "the proxy closed the control connection");
            got += n;
        }

        Assert.Equal(new byte[] { 5, 0, 5, 0 }, buffer[..4]);
        Assert.True(SocksCodec.TryParseSocks5Reply(buffer.AsSpan(2, 10), out var reply, out _));
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var relay = new IPEndPoint(reply.Bound.Address!, reply.Bound.Port);
        await udp.SendToAsync(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(IPAddress.Loopback, udpEcho), "marco"u8), relay);
        var answer = new byte[256];
        var result = await udp.ReceiveFromAsync(answer, new IPEndPoint(IPAddress.Any, 0)).WaitAsync(Timeout);
        var header = SocksCodec.ParseSocks5UdpHeader(answer.AsSpan(0, result.ReceivedBytes));
        Assert.Equal(udpEcho, header.Destination.Port);
        Assert.Equal("marco", Encoding.ASCII.GetString(answer, header.Length, result.ReceivedBytes - header.Length));
    }

    [Fact]
    public async Task Bind_accepts_one_incoming_connection_and_relays_it()
    {
        var proxy = await Proxy();
        using var control = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await control.ConnectAsync(IPAddress.Loopback, proxy).WaitAsync(Timeout);
        await control.SendAsync(new byte[] { 4, 2, 0, 0, 127, 0, 0, 1, 0 });
        var first = await ReceiveExactly(control, 8);
        Assert.Equal(90, first[1]);
        var port = (first[2] << 8) | first[3];
        using var incoming = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await incoming.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        var second = await ReceiveExactly(control, 8);
        Assert.Equal(90, second[1]);
        Assert.Equal(((IPEndPoint)incoming.LocalEndPoint!).Port, (second[2] << 8) | second[3]);
        await incoming.SendAsync("from afar"u8.ToArray());
        Assert.Equal("from afar", Encoding.ASCII.GetString(await ReceiveExactly(control, 9)));
    }

    private static async Task<byte[]> ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Timeout);
            Assert.True(n > 0, $"closed after {got} of {count} bytes");
            got += n;
        }

        return buffer;
    }

    // ---- curl through our server

    [Theory]
    [InlineData("--socks4", "127.0.0.1")]
    [InlineData("--socks4a", "localhost")]
    [InlineData("--socks5", "127.0.0.1")]
    [InlineData("--socks5-hostname", "localhost")]
    public async Task Curl_fetches_through_our_server(string option, string host)
    {
        var proxy = await Proxy();
        var http = await ListenOn(Factory.ForProtocol(() => new HttpResponder()));
        var output = await Curl(option, $"127.0.0.1:{proxy}", $"http://{host}:{http}/");
        Assert.Equal(Body, output.Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Curl_logs_in_with_a_password_file_user()
    {
        var path = Path.Combine(Path.GetTempPath(), $"torsion-socks-{Guid.NewGuid():N}.passwd");
        try
        {
            File.WriteAllText(path, $"carol:{PasswordHash.Create("hunter2", 1000)}\n");
            var proxy = await Proxy(new PasswordFileChecker(path));
            var http = await ListenOn(Factory.ForProtocol(() => new HttpResponder()));
            var output = await Curl("--socks5-hostname", $"127.0.0.1:{proxy}", "--proxy-user", "carol:hunter2", $"http://localhost:{http}/");
            Assert.Equal(Body, output.Replace("\r", "", StringComparison.Ordinal));

            using var wrong = PeerProcess.Start(Need("curl"), "-sS", "--max-time", "20", "--socks5", $"127.0.0.1:{proxy}", "--proxy-user", "carol:wrong", $"http://127.0.0.1:{http}/");
            Assert.NotEqual(0, await wrong.WaitForExit(Timeout));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- our client through real servers

    [Fact]
    public async Task Our_client_through_dante()
    {
        var danted = Need("danted");
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        var directory = Directory.CreateTempSubdirectory("torsion-dante-");
        try
        {
            var config = Path.Combine(directory.FullName, "danted.conf");
            var (peer, port) = await StartOnFreshPort(port =>
            {
                WriteDanteConfig(config, port);
                return PeerProcess.Start(danted, "-f", config, "-p", Path.Combine(directory.FullName, "danted.pid"));
            });
            using var _ = peer;
            Assert.Equal("four", Encoding.ASCII.GetString(await RoundTrip(Through(port, "127.0.0.1", echo, SocksVersion.Socks4), "four"u8.ToArray())));
            Assert.Equal("five", Encoding.ASCII.GetString(await RoundTrip(Through(port, "127.0.0.1", echo, SocksVersion.Socks5), "five"u8.ToArray())));
            Assert.Equal("name", Encoding.ASCII.GetString(await RoundTrip(Through(port, "localhost", echo, SocksVersion.Socks5), "name"u8.ToArray())));
            var refused = await Assert.ThrowsAsync<SocksReplyException>(() => RoundTrip(Through(port, "127.0.0.1", port + 1, SocksVersion.Socks5), "x"u8.ToArray()));
            Assert.Equal(Socks5ReplyCode.NotAllowed, refused.Socks5Code);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>dante on 127.0.0.1:<paramref name="port"/>, refusing (by rule) connections to <paramref name="port"/> + 1.</summary>
    private static void WriteDanteConfig(string path, int port) => File.WriteAllText(path, $$"""
        logoutput: stderr
        internal: 127.0.0.1 port = {{port}}
        external: 127.0.0.1
        clientmethod: none
        socksmethod: none
        user.privileged: root
        user.unprivileged: nobody
        client pass {
          from: 127.0.0.0/8 to: 0.0.0.0/0
        }
        socks block {
          from: 0.0.0.0/0 to: 127.0.0.1/32 port = {{port + 1}}
          log: connect error
        }
        socks pass {
          from: 0.0.0.0/0 to: 127.0.0.0/8
          command: connect
        }
        socks block {
          from: 0.0.0.0/0 to: 0.0.0.0/0
        }

        """);

    [Fact]
    public async Task Our_client_through_microsocks_with_a_password()
    {
        var microsocks = Need("microsocks");
        var echo = await ListenOn(Factory.ForProtocol(() => new Echo()));
        var (peer, port) = await StartOnFreshPort(port =>
            PeerProcess.Start(microsocks, "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "peeruser", "-P", "peer-pw", "-b", "127.0.0.1"));
        using var _ = peer;
        Assert.Equal("micro", Encoding.ASCII.GetString(await RoundTrip(Through(port, "127.0.0.1", echo, SocksVersion.Socks5, "peeruser", "peer-pw"), "micro"u8.ToArray())));
        Assert.Equal("named", Encoding.ASCII.GetString(await RoundTrip(Through(port, "localhost", echo, SocksVersion.Socks5, "peeruser", "peer-pw"), "named"u8.ToArray())));
        await Assert.ThrowsAsync<SocksAuthenticationException>(() => RoundTrip(Through(port, "127.0.0.1", echo, SocksVersion.Socks5, "peeruser", "wrong"), "x"u8.ToArray()));
        await Assert.ThrowsAsync<SocksAuthenticationException>(() => RoundTrip(Through(port, "127.0.0.1", echo, SocksVersion.Socks5), "x"u8.ToArray()));
    }
}
