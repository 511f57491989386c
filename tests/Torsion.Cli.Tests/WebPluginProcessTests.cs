using System.Net.Sockets;
using System.Text;

namespace Torsion.Cli.Tests;

/// <summary>`torsion web` as a real process.</summary>
public sealed class WebPluginProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-web-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Web_serves_a_folder_logs_access_and_exits_zero_on_SIGTERM()
    {
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello from torsion web");
        var log = Path.Combine(_root, "access.log");
        using var torsion = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root, "--access-log", log);
        var port = await torsion.WaitForListeningPortAsync();

        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(20));
            var stream = client.GetStream();
            await stream.WriteAsync("GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray());
            var response = new MemoryStream();
            await stream.CopyToAsync(response).WaitAsync(TimeSpan.FromSeconds(20));
            var text = Encoding.UTF8.GetString(response.ToArray());
            Assert.StartsWith("HTTP/1.1 200 OK", text);
            Assert.EndsWith("hello from torsion web", text);
        }

        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());
        Assert.Contains("\"GET /hello.txt HTTP/1.1\" 200 22", File.ReadAllText(log));
    }

    [Fact]
    public async Task Web_proxy_serves_another_torsion_web_at_the_root()
    {
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello through the proxy");
        using var upstream = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root);
        var upstreamPort = await upstream.WaitForListeningPortAsync();
        using var proxy = TorsionProcess.Start("web", "--listen", "tcp:0:interface=127.0.0.1", "--proxy", $"http://127.0.0.1:{upstreamPort}/");
        var port = await proxy.WaitForListeningPortAsync();

        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(20));
            var stream = client.GetStream();
            await stream.WriteAsync("GET /hello.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray());
            var response = new MemoryStream();
            await stream.CopyToAsync(response).WaitAsync(TimeSpan.FromSeconds(20));
            var text = Encoding.UTF8.GetString(response.ToArray());
            Assert.StartsWith("HTTP/1.1 200 OK", text);
            Assert.Contains("ETag: ", text);
            Assert.EndsWith("hello through the proxy", text);
        }

        proxy.Terminate();
        upstream.Terminate();
        Assert.Equal(0, await proxy.WaitForExitAsync());
        Assert.Equal(0, await upstream.WaitForExitAsync());
    }

    [Fact]
    public async Task Web_refuses_proxy_together_with_path()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root, "--proxy", "http://127.0.0.1:9/");
        Assert.NotEqual(0, code);
        Assert.Contains("--proxy and --path exclude each other", stderr);
    }

    [Fact]
    public async Task Web_refuses_a_bad_sendfile_threshold_in_one_line()
    {
        var (code, _, stderr) = await TorsionProcess.RunAsync("web", "--listen", "tcp:0:interface=127.0.0.1", "--path", _root, "--sendfile-threshold", "16k");
        Assert.NotEqual(0, code);
        Assert.Contains("--sendfile-threshold: '16k' is neither a number of bytes (1 or more) nor 'off'.", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
