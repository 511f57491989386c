using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Torsion.TestPeers;
using Torsion.Tls;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Interop;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// Our HTTP/2 client against nghttpd (nghttp2's reference server, Debian nghttp2-server, installed by test.sh) on
/// 127.0.0.1: TLS with ALPN h2, and cleartext h2c with prior knowledge; uploads are echoed (--echo-upload).
/// </summary>
public sealed class AgentNghttpdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-nghttpd-").FullName;
    private readonly byte[] _blob = RandomNumberGenerator.GetBytes(1_000_000);
    private readonly Process _tls;
    private readonly Process _plain;
    private readonly int _tlsPort;
    private readonly int _plainPort;
    private readonly RunningServer _reactor = new(reactor => new HttpServerFactory((request, response) => response.Finish(), reactor));

    public AgentNghttpdTests()
    {
        TestCertificates.Write(_dir);
        var www = Directory.CreateDirectory(Path.Combine(_dir, "www")).FullName;
        File.WriteAllBytes(Path.Combine(www, "blob.bin"), _blob);
        File.WriteAllText(Path.Combine(www, "index.html"), "<html>h2</html>\n");
        (_tls, _tlsPort) = StartOnFreshPort(port => ["-a", "127.0.0.1", "-d", www, "--echo-upload", port.ToString(), Path.Combine(_dir, "key.pem"), Path.Combine(_dir, "cert.pem")]);
        try
        {
            (_plain, _plainPort) = StartOnFreshPort(port => ["--no-tls", "-a", "127.0.0.1", "-d", www, "--echo-upload", port.ToString()]);
        }
        catch
        {
            _tls.Kill();
            _tls.WaitForExit(10_000);
            _tls.Dispose();
            _reactor.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _reactor.Dispose();
        foreach (var p in new[] { _tls, _plain })
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit(10_000);
            }

            p.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>
    /// nghttpd cannot bind port 0 and tell its port: a port taken between the pick and its bind makes it exit, and it is
    /// started again on a fresh one (see PeerStart).
    /// </summary>
    private static (Process Process, int Port) StartOnFreshPort(Func<int, string[]> arguments) =>
        PeerStart.OnFreshPorts(1, ports =>
        {
            var info = new ProcessStartInfo("nghttpd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in arguments(ports[0]))
            {
                info.ArgumentList.Add(a);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("nghttpd did not start (apt-get install nghttp2-server).");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (WaitListening(process, ports[0]))
            {
                return (process, ports[0]);
            }

            var exited = process.HasExited;
            if (!exited)
            {
                process.Kill();
            }

            process.WaitForExit(10_000);
            process.Dispose();
            throw new InvalidOperationException($"nghttpd did not listen on 127.0.0.1:{ports[0]} ({(exited ? "it exited" : "timeout")}): {output.Result}{errors.Result}");
        });

    /// <summary>True once something accepts on <paramref name="port"/>; false when the process exited or after 20 s.</summary>
    private static bool WaitListening(Process process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        return false;
    }

    private WebHttp Tls() => new(_reactor.Reactor, new AgentOptions
    {
        TlsOptionsForHost = host =>
        {
            var tls = TlsOptions.Client(host);
            tls.TrustedRootsPemFile = Path.Combine(_dir, "ca.pem");
            return tls;
        },
    });

    private WebHttp H2c() => new(_reactor.Reactor, new AgentOptions { Http2PriorKnowledge = true });

    [Fact]
    public void A_megabyte_arrives_intact_over_tls_h2()
    {
        var (body, version) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var response = await Tls().Get($"https://127.0.0.1:{_tlsPort}/blob.bin");
            return (await response.Content(), response.Version);
        });
        Assert.Equal(HttpProtocolVersion.Http2, version);
        Assert.Equal(_blob, body);
    }

    [Fact]
    public void A_megabyte_arrives_intact_over_h2c()
    {
        var body = AgentLoopbackTests.OnReactor(_reactor, async () => await (await H2c().Get($"http://127.0.0.1:{_plainPort}/blob.bin")).Content());
        Assert.Equal(_blob, body);
    }

    [Fact]
    public void Concurrent_requests_share_one_connection()
    {
        var (bodies, opened) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var http = Tls();
            var all = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ => await (await http.Get($"https://127.0.0.1:{_tlsPort}/index.html")).Text()));
            return (all, http.BaseAgent!.ConnectionsOpened);
        });
        Assert.All(bodies, b => Assert.Equal("<html>h2</html>\n", b));
        Assert.Equal(1, opened);
    }

    [Fact]
    public void An_upload_is_echoed_under_flow_control()
    {
        var payload = RandomNumberGenerator.GetBytes(1024 * 1024);
        var echoed = AgentLoopbackTests.OnReactor(_reactor, async () => await (await H2c().Post($"http://127.0.0.1:{_plainPort}/echo", payload)).Content());
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public void A_missing_file_is_a_404()
    {
        var status = AgentLoopbackTests.OnReactor(_reactor, async () => (await H2c().Get($"http://127.0.0.1:{_plainPort}/missing")).StatusCode);
        Assert.Equal(404, status);
    }
}
