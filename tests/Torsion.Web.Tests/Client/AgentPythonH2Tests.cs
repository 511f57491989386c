using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Torsion.Web.Client;
using Torsion.Web.Http;
using Torsion.Web.Tests.Loopback;
using WebHttp = Torsion.Web.Client.Http;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// Our HTTP/2 client against a strict server built on python3-h2 (Client/Peers/h2_server.py, h2c prior knowledge,
/// installed by test.sh): h2 validates every frame and header our client sends and reports any violation.
/// </summary>
public sealed class AgentPythonH2Tests : IDisposable
{
    private readonly Process _peer;
    private readonly Task<string> _errors;
    private readonly int _port;
    private readonly RunningServer _reactor = new(reactor => new HttpServerFactory((request, response) => response.Finish(), reactor));

    public AgentPythonH2Tests()
    {
        // The peer binds port 0 itself and prints "port N" then "ready": no port is picked here that another test could take first.
        var info = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(PeerScript());
        info.ArgumentList.Add("0");
        _peer = Process.Start(info)!;
        _errors = _peer.StandardError.ReadToEndAsync();
        var started = Task.Run(async () => (await _peer.StandardOutput.ReadLineAsync(), await _peer.StandardOutput.ReadLineAsync()));
        if (!started.Wait(TimeSpan.FromSeconds(20)) || started.Result is not ({ } portLine, "ready") || !portLine.StartsWith("port ", StringComparison.Ordinal))
        {
            _peer.Kill();
            throw new InvalidOperationException($"h2_server.py did not start (apt-get install python3-h2): {_errors.Result}");
        }

        _port = int.Parse(started.Result.Item1![5..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _reactor.Dispose();
        if (!_peer.HasExited)
        {
            _peer.Kill();
            _peer.WaitForExit(10_000);
        }

        _peer.Dispose();
    }

    private static string PeerScript()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Torsion.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Torsion.slnx not found above the test folder."), "tests", "Torsion.Web.Tests", "Client", "Peers", "h2_server.py");
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    private WebHttp H2c() => new(_reactor.Reactor, new AgentOptions { Http2PriorKnowledge = true });

    private string Violations()
    {
        _peer.Kill();
        _peer.WaitForExit(10_000);
        return _errors.Result;
    }

    [Fact]
    public void A_strict_peer_accepts_our_requests_and_trailers_arrive()
    {
        var (text, trailer, headers) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var http = H2c();
            var response = await http.Get(Url("/hello"));
            var body = await response.Text();
            var list = await (await http.Get(Url("/headers"), new Headers().Add("X-Custom", "v").Add("Connection", "keep-alive").Add("TE", "trailers"))).Text();
            return (body, response.Trailers.Get("x-trailer"), list);
        });
        Assert.Equal("hello from h2", text);
        Assert.Equal("yes", trailer);
        Assert.StartsWith(":method: GET\n:scheme: http\n:authority: 127.0.0.1:", headers, StringComparison.Ordinal);
        Assert.Contains("x-custom: v\n", headers, StringComparison.Ordinal);
        Assert.Contains("te: trailers\n", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("connection", headers, StringComparison.Ordinal);
        Assert.Equal("", Violations());
    }

    [Fact]
    public void Concurrent_downloads_and_an_upload_pass_the_strict_peer_under_flow_control()
    {
        var payload = RandomNumberGenerator.GetBytes(300_000);
        var (sizes, echoed) = AgentLoopbackTests.OnReactor(_reactor, async () =>
        {
            var http = H2c();
            var downloads = Enumerable.Range(0, 20).Select(async i => (await (await http.Get(Url($"/bytes/{100_000 + i}"))).Content()).Length).ToList();
            var upload = (await http.Post(Url("/echo"), payload)).Content().AsTask();
            return (await Task.WhenAll(downloads), await upload);
        });
        Assert.Equal(Enumerable.Range(0, 20).Select(i => 100_000 + i), sizes);
        Assert.Equal(payload, echoed);
        Assert.Equal("", Violations());
    }
}
