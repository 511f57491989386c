using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Torsion.Web.Server;
using Torsion.Web.Tests.Loopback;
using StaticFile = Torsion.Web.Static.File;

namespace Torsion.Web.Tests.Interop;

/// <summary>curl (installed by test.sh) against a Site on the real reactor.</summary>
public sealed class CurlTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-curl-").FullName;
    private readonly byte[] _big = RandomNumberGenerator.GetBytes(1024 * 1024);
    private readonly byte[] _five = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
    private readonly RunningServer _server;

    public CurlTests()
    {
        System.IO.File.WriteAllBytes(Path.Combine(_root, "big.bin"), _big);
        System.IO.File.WriteAllBytes(Path.Combine(_root, "5m.bin"), _five);
        System.IO.File.WriteAllText(Path.Combine(_root, "a.txt"), "0123456789abcdefghij");
        System.IO.File.WriteAllText(Path.Combine(_root, "page.html"), string.Concat(Enumerable.Repeat("<p>compress me</p>\n", 300)));
        var root = new StaticFile(_root);
        var tree = new Resource();
        tree.PutChild("files", root);
        tree.PutChild("upload", new Upload());
        _server = new RunningServer(reactor => new Site(tree, reactor));
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private sealed class Upload : Resource
    {
        public override RenderResult RenderPost(Request request)
        {
            var body = new MemoryStream();
            request.Content.CopyTo(body);
            return $"{body.Length} {Convert.ToHexStringLower(SHA256.HashData(body.ToArray()))}";
        }
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.Port}{path}";

    internal static (string Out, string Err, byte[] Raw) Curl(params string[] args)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--max-time");
        info.ArgumentList.Add("20");
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var raw = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(raw);
        var err = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("curl did not finish in 30 s: " + string.Join(' ', args));
        }

        copy.Wait(TimeSpan.FromSeconds(10));
        var stderr = err.Result;
        Assert.True(process.ExitCode == 0, $"curl {string.Join(' ', args)} exited {process.ExitCode}: {stderr}");
        return (Encoding.Latin1.GetString(raw.ToArray()), stderr, raw.ToArray());
    }

    [Fact]
    public void Two_urls_use_one_connection()
    {
        var (output, _, _) = Curl("-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n", Url("/files/a.txt"), Url("/files/big.bin"));
        Assert.Equal(["1", "0"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Range_is_served()
    {
        Assert.Equal("23456", Curl("-s", "-r", "2-6", Url("/files/a.txt")).Out);
        var (multi, _, _) = Curl("-s", "-i", "-r", "0-1,18-19", Url("/files/a.txt"));
        Assert.Contains("multipart/byteranges", multi);
    }

    [Fact]
    public void Head_gets_headers_only()
    {
        var (output, _, _) = Curl("-s", "-I", Url("/files/big.bin"));
        Assert.StartsWith("HTTP/1.1 200 OK", output);
        Assert.Contains("Content-Length: 1048576", output);
        Assert.EndsWith("\r\n\r\n", output);
    }

    [Fact]
    public void Chunked_upload_arrives_whole()
    {
        var file = Path.Combine(_root, "big.bin");
        var (output, _, _) = Curl("-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, Url("/upload"));
        Assert.Equal($"{_big.Length} {Convert.ToHexStringLower(SHA256.HashData(_big))}", output);
    }

    [Fact]
    public void Expect_100_continue_is_answered()
    {
        var file = Path.Combine(_root, "big.bin");
        var (output, err, _) = Curl("-s", "-v", "-H", "Expect: 100-continue", "--data-binary", "@" + file, Url("/upload"));
        Assert.Contains("HTTP/1.1 100 Continue", err);
        Assert.Equal($"{_big.Length} {Convert.ToHexStringLower(SHA256.HashData(_big))}", output);
    }

    [Fact]
    public void One_MiB_static_file_is_byte_identical()
    {
        Assert.Equal(_big, Curl("-s", Url("/files/big.bin")).Raw);
    }

    [Fact]
    public void Five_MiB_file_sent_by_sendfile_is_byte_identical()
    {
        var (output, _, raw) = Curl("-s", "-w", "\n%{http_code} %{size_download}", Url("/files/5m.bin"));
        Assert.EndsWith("\n200 5242880", output);
        Assert.Equal(_five, raw[..^"\n200 5242880".Length]);
    }

    [Fact]
    public void Five_MiB_file_range_sent_by_sendfile_is_those_bytes()
    {
        var (output, _, raw) = Curl("-s", "--range", "1048576-4194303", "-w", "\n%{http_code} %{size_download}", Url("/files/5m.bin"));
        Assert.EndsWith("\n206 3145728", output);
        Assert.Equal(_five.AsSpan(1048576, 3145728).ToArray(), raw[..^"\n206 3145728".Length]);
    }

    [Fact]
    public void Compressed_file_is_decoded_by_curl()
    {
        var (output, err, _) = Curl("-s", "-v", "--compressed", Url("/files/page.html"));
        Assert.Contains("Content-Encoding: ", err);
        Assert.Equal(System.IO.File.ReadAllText(Path.Combine(_root, "page.html")), output);
    }

    [Fact]
    public void Conditional_request_gets_304()
    {
        var (headers, _, _) = Curl("-s", "-I", Url("/files/a.txt"));
        var etag = headers.Split("\r\n").Single(l => l.StartsWith("ETag: ", StringComparison.Ordinal))[6..];
        var (second, _, _) = Curl("-s", "-i", "-H", "If-None-Match: " + etag, Url("/files/a.txt"));
        Assert.StartsWith("HTTP/1.1 304", second);
    }
}
