using System.IO.Compression;
using System.Text;
using Torsion.Web.Server;
using Torsion.Web.Tests.Server;
using StaticFile = Torsion.Web.Static.File;

namespace Torsion.Web.Tests.Static;

public sealed class FileTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("torsion-web-").FullName;
    private readonly string _root;

    public FileTests()
    {
        _root = Path.Combine(_base, "root");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateDirectory(Path.Combine(_root, "withindex"));
        System.IO.File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello, static world");
        System.IO.File.WriteAllText(Path.Combine(_root, "sub", "a<b>&c.txt"), "x");
        System.IO.File.WriteAllText(Path.Combine(_root, "withindex", "index.html"), "<p>index</p>");
        System.IO.File.WriteAllText(Path.Combine(_root, "big.css"), string.Concat(Enumerable.Repeat("body { color: red; }\n", 500)));
        System.IO.File.WriteAllBytes(Path.Combine(_root, "data.bin"), Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray());
        System.IO.File.WriteAllText(Path.Combine(_base, "secret.txt"), "TOP SECRET");
        System.IO.File.CreateSymbolicLink(Path.Combine(_root, "out-link"), Path.Combine(_base, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "out-dir"), _base);
        System.IO.File.CreateSymbolicLink(Path.Combine(_root, "in-link.txt"), Path.Combine(_root, "hello.txt"));
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private SiteHarness Site(bool allowSymlinks = false) => new(new StaticFile(_root) { AllowSymlinksOutside = allowSymlinks });

    private static string Headers(string response) => response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];

    public static TheoryData<string> Attacks => new()
    {
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/sub%5c..%5c..%5csecret.txt",
        "/hello.txt%00.html",
        "/%00",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%252e%252e/secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "/./../secret.txt",
        "/out-link",
        "/out-dir/secret.txt",
        "/out-dir/",
        "http://example.com/../secret.txt",
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Attack_path_never_reaches_a_file_outside_the_root(string target)
    {
        var response = Site().Fetch($"GET {target} HTTP/1.1\r\nHost: example.com\r\n\r\n");
        Assert.DoesNotContain("TOP SECRET", response);
        Assert.DoesNotContain("root:", response);
        var status = int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(status is 404 or 400 or 403, $"{target}: {status}");
    }

    [Fact]
    public void Symlink_inside_the_root_is_served()
    {
        var r = Site().Fetch(SiteHarness.Get("/in-link.txt")); Assert.True(r.EndsWith("hello, static world", StringComparison.Ordinal), r);
    }

    [Fact]
    public void Symlink_leaving_the_root_is_served_when_allowed()
    {
        Assert.EndsWith("TOP SECRET", Site(allowSymlinks: true).Fetch(SiteHarness.Get("/out-link")));
    }

    [Fact]
    public void File_is_served_with_type_length_etag_and_last_modified()
    {
        var response = Site().Fetch(SiteHarness.Get("/hello.txt"));
        Assert.StartsWith("HTTP/1.1 200 OK", response);
        var headers = Headers(response);
        Assert.Contains("Content-Type: text/plain; charset=utf-8", headers);
        Assert.Contains("Content-Length: 19", headers);
        Assert.Contains("ETag: \"", headers);
        Assert.Contains("Last-Modified: ", headers);
        Assert.Contains("Accept-Ranges: bytes", headers);
        Assert.EndsWith("hello, static world", response);
    }

    [Fact]
    public void Matching_If_None_Match_gives_304()
    {
        var site = Site();
        var etag = Headers(site.Fetch(SiteHarness.Get("/hello.txt"))).Split("\r\n").Single(l => l.StartsWith("ETag: ", StringComparison.Ordinal))[6..];
        var response = site.Fetch(SiteHarness.Get("/hello.txt", $"If-None-Match: {etag}\r\n"));
        Assert.StartsWith("HTTP/1.1 304 Not Modified", response);
        Assert.EndsWith("\r\n\r\n", response);
    }

    [Fact]
    public void Later_If_Modified_Since_gives_304_and_earlier_gives_200()
    {
        var site = Site();
        Assert.StartsWith("HTTP/1.1 304", site.Fetch(SiteHarness.Get("/hello.txt", $"If-Modified-Since: {DateTimeOffset.UtcNow.AddHours(1):r}\r\n")));
        Assert.StartsWith("HTTP/1.1 200", site.Fetch(SiteHarness.Get("/hello.txt", "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n")));
    }

    [Fact]
    public void Single_range_gives_206_with_Content_Range()
    {
        var response = Site().Fetch(SiteHarness.Get("/hello.txt", "Range: bytes=7-12\r\n"));
        Assert.StartsWith("HTTP/1.1 206 Partial Content", response);
        Assert.Contains("Content-Range: bytes 7-12/19", response);
        Assert.EndsWith("\r\n\r\nstatic", response);
    }

    [Fact]
    public void Suffix_range_gives_the_last_bytes()
    {
        Assert.EndsWith("\r\n\r\nworld", Site().Fetch(SiteHarness.Get("/hello.txt", "Range: bytes=-5\r\n")));
    }

    [Fact]
    public void Multiple_ranges_give_multipart_byteranges()
    {
        var response = Site().Fetch(SiteHarness.Get("/hello.txt", "Range: bytes=0-4,14-\r\n"));
        Assert.StartsWith("HTTP/1.1 206", response);
        Assert.Contains("Content-Type: multipart/byteranges; boundary=", response);
        Assert.Contains("Content-Range: bytes 0-4/19\r\n\r\nhello\r\n", response);
        Assert.Contains("Content-Range: bytes 14-18/19\r\n\r\nworld\r\n", response);
    }

    [Fact]
    public void Unsatisfiable_range_gives_416_with_the_length()
    {
        var response = Site().Fetch(SiteHarness.Get("/hello.txt", "Range: bytes=100-200\r\n"));
        Assert.StartsWith("HTTP/1.1 416 Range Not Satisfiable", response);
        Assert.Contains("Content-Range: bytes */19", response);
    }

    [Fact]
    public void Invalid_range_is_ignored()
    {
        Assert.StartsWith("HTTP/1.1 200", Site().Fetch(SiteHarness.Get("/hello.txt", "Range: bytes=x-y\r\n")));
    }

    [Fact]
    public void Large_file_is_streamed_whole()
    {
        var response = Site().Fetch(SiteHarness.Get("/data.bin"));
        var body = Encoding.Latin1.GetBytes(SiteHarness.Body(response));
        Assert.Contains("Content-Length: 200000", response);
        Assert.Equal(System.IO.File.ReadAllBytes(Path.Combine(_root, "data.bin")), body);
    }

    [Fact]
    public void Large_file_range_is_streamed()
    {
        var response = Site().Fetch(SiteHarness.Get("/data.bin", "Range: bytes=100000-199999\r\n"));
        var body = Encoding.Latin1.GetBytes(SiteHarness.Body(response));
        Assert.Equal(System.IO.File.ReadAllBytes(Path.Combine(_root, "data.bin"))[100000..], body);
    }

    [Fact]
    public void Compressible_file_is_sent_brotli_or_gzip_as_accepted()
    {
        var site = Site();
        var original = System.IO.File.ReadAllText(Path.Combine(_root, "big.css"));
        var br = site.Fetch(SiteHarness.Get("/big.css", "Accept-Encoding: gzip, deflate, br\r\n"));
        Assert.Contains("Content-Encoding: br", br);
        Assert.Contains("Vary: Accept-Encoding", br);
        using (var decoder = new BrotliStream(new MemoryStream(Encoding.Latin1.GetBytes(SiteHarness.Body(br))), CompressionMode.Decompress))
        {
            Assert.Equal(original, new StreamReader(decoder).ReadToEnd());
        }

        var gzip = site.Fetch(SiteHarness.Get("/big.css", "Accept-Encoding: gzip, br;q=0\r\n"));
        Assert.Contains("Content-Encoding: gzip", gzip);
        using (var decoder = new GZipStream(new MemoryStream(Encoding.Latin1.GetBytes(SiteHarness.Body(gzip))), CompressionMode.Decompress))
        {
            Assert.Equal(original, new StreamReader(decoder).ReadToEnd());
        }

        Assert.DoesNotContain("Content-Encoding", site.Fetch(SiteHarness.Get("/big.css")));
    }

    [Fact]
    public void Folder_without_slash_is_redirected()
    {
        var response = Site().Fetch(SiteHarness.Get("/sub"));
        Assert.StartsWith("HTTP/1.1 301", response);
        Assert.Contains("Location: /sub/\r\n", response);
    }

    [Fact]
    public void Folder_with_an_index_file_serves_it()
    {
        Assert.EndsWith("<p>index</p>", Site().Fetch(SiteHarness.Get("/withindex/")));
    }

    [Fact]
    public void Folder_listing_escapes_names()
    {
        var response = Site().Fetch(SiteHarness.Get("/sub/"));
        Assert.Contains("a&lt;b&gt;&amp;c.txt", response);
        Assert.Contains("href=\"a%3Cb%3E%26c.txt\"", response);
        Assert.DoesNotContain("<b>", response);
    }

    [Fact]
    public void Head_gets_the_length_without_the_body()
    {
        var response = Site().Fetch("HEAD /data.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Contains("Content-Length: 200000", response);
        Assert.EndsWith("\r\n\r\n", response);
    }

    [Fact]
    public void Unknown_extension_is_octet_stream()
    {
        Assert.Contains("Content-Type: application/octet-stream", Site().Fetch(SiteHarness.Get("/data.bin")));
    }
}
