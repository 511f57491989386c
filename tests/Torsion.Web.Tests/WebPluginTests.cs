using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Application.Plugins;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Web;

namespace Torsion.Web.Tests;

public sealed class WebPluginTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-plugin-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static PluginContext Context(MemoryReactor reactor, WebPlugin plugin, Dictionary<string, string?> given, params string[] listen) =>
        new(reactor, new PluginOptionValues(plugin.Options, given), listen, NullLoggerFactory.Instance);

    [Fact]
    public void Plugin_serves_the_folder_on_the_default_endpoint()
    {
        System.IO.File.WriteAllText(Path.Combine(_root, "x.txt"), "from the plugin");
        var plugin = new WebPlugin();
        Assert.Equal("web", plugin.Name);
        Assert.Equal("tcp:8080", plugin.DefaultEndpoint);
        var reactor = new MemoryReactor();
        var service = plugin.BuildService(Context(reactor, plugin, new() { ["path"] = _root }, "tcp:8080"));
        service.StartService();
        var listen = Assert.Single(reactor.TcpServers);
        Assert.Equal(8080, listen.Port);
        var protocol = (IProtocol)listen.Factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1))!;
        var transport = new StringTransport();
        transport.Connect(protocol);
        protocol.DataReceived("GET /x.txt HTTP/1.1\r\nHost: a\r\n\r\n"u8);
        Assert.EndsWith("from the plugin", Encoding.UTF8.GetString(transport.Value()));
    }

    [Fact]
    public void Access_log_file_gets_one_line_per_request()
    {
        var log = Path.Combine(_root, "access.log");
        var plugin = new WebPlugin();
        var reactor = new MemoryReactor();
        var service = plugin.BuildService(Context(reactor, plugin, new() { ["path"] = _root, ["access-log"] = log }, "tcp:8080"));
        service.StartService();
        var protocol = (IProtocol)reactor.TcpServers[0].Factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1))!;
        var transport = new StringTransport();
        transport.Connect(protocol);
        protocol.DataReceived("GET /missing HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n"u8);
        Assert.Contains("\"GET /missing HTTP/1.1\" 404 ", System.IO.File.ReadAllText(log));
    }

    [Fact]
    public void Plugin_serves_http2_with_prior_knowledge_on_tcp()
    {
        System.IO.File.WriteAllText(Path.Combine(_root, "x.txt"), "from the plugin");
        var plugin = new WebPlugin();
        var reactor = new MemoryReactor();
        plugin.BuildService(Context(reactor, plugin, new() { ["path"] = _root }, "tcp:8080")).StartService();
        var protocol = (IProtocol)reactor.TcpServers[0].Factory.BuildProtocol(new IPEndPoint(IPAddress.Loopback, 1))!;
        var transport = new StringTransport();
        transport.Connect(protocol);
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        w.Write(Torsion.Web.Http2.Http2ServerProtocol.Preface);
        Torsion.Web.Http2.Http2FrameWriter.WriteSettings(w, []);
        var block = new System.Buffers.ArrayBufferWriter<byte>();
        var encoder = new Torsion.Web.Http2.HpackEncoder();
        encoder.Encode(block, ":method"u8, "GET"u8);
        encoder.Encode(block, ":scheme"u8, "http"u8);
        encoder.Encode(block, ":path"u8, "/x.txt"u8);
        Torsion.Web.Http2.Http2FrameWriter.WriteHeaders(w, 1, block.WrittenSpan, endStream: true, 16384);
        protocol.DataReceived(w.WrittenSpan);
        Assert.Contains("from the plugin", Encoding.UTF8.GetString(transport.Value()));
    }

    [Fact]
    public void Plugin_offers_h2_by_alpn_on_ssl_listeners()
    {
        var cert = Path.Combine(_root, "cert.pem");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var self = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            System.IO.File.WriteAllText(cert, self.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        }

        var plugin = new WebPlugin();
        var reactor = new MemoryReactor();
        plugin.BuildService(Context(reactor, plugin, new() { ["path"] = _root }, $"ssl:8443:certKey={cert}")).StartService();
        var factory = Assert.IsType<Torsion.Tls.TlsFactory>(Assert.Single(reactor.TcpServers).Factory);
        Assert.Equal(["h2", "http/1.1"], factory.Options!.ApplicationProtocols);
    }

    [Fact]
    public void Missing_folder_is_a_clear_option_error()
    {
        var plugin = new WebPlugin();
        var error = Assert.Throws<PluginOptionException>(() => plugin.BuildService(Context(new MemoryReactor(), plugin, new() { ["path"] = Path.Combine(_root, "nope") }, "tcp:8080")));
        Assert.Contains("--path", error.Message);
    }

    [Theory]
    [InlineData(null, 16 * 1024)]
    [InlineData("1", 1)]
    [InlineData("1048576", 1 << 20)]
    [InlineData("off", long.MaxValue)]
    [InlineData("OFF", long.MaxValue)]
    public void Sendfile_threshold_option_is_a_byte_count_or_off(string? given, long threshold)
    {
        Assert.Equal(threshold, WebPlugin.ParseSendFileThreshold(given));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("16k")]
    [InlineData(" 100")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public void Bad_sendfile_threshold_is_a_clear_option_error(string given)
    {
        var plugin = new WebPlugin();
        var error = Assert.Throws<PluginOptionException>(() => plugin.BuildService(Context(new MemoryReactor(), plugin, new() { ["path"] = _root, ["sendfile-threshold"] = given }, "tcp:8080")));
        Assert.Equal($"--sendfile-threshold: '{given}' is neither a number of bytes (1 or more) nor 'off'.", error.Message);
    }

    [Theory]
    [InlineData(null, 100_000)]
    [InlineData("off", 0)]
    [InlineData("200000", 0)]
    [InlineData("50000", 100_000)]
    public void Sendfile_threshold_decides_which_bodies_go_by_sendfile(string? given, long sentByFile)
    {
        var content = new byte[100_000];
        Random.Shared.NextBytes(content);
        System.IO.File.WriteAllBytes(Path.Combine(_root, "x.bin"), content);
        var plugin = new WebPlugin();
        var options = new Dictionary<string, string?> { ["path"] = _root };
        if (given is not null)
        {
            options["sendfile-threshold"] = given;
        }

        // The plugin's site, taken from a MemoryReactor's listen record and served by a real reactor on loopback.
        var memory = new MemoryReactor();
        plugin.BuildService(Context(memory, plugin, options, "tcp:8080")).StartService();
        var site = Assert.Single(memory.TcpServers).Factory;
        using var counter = new Static.SendFileCounter();
        using var server = new Loopback.RunningServer(_ => site);
        using var socket = server.Connect();
        Loopback.RunningServer.Send(socket, "GET /x.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var response = new MemoryStream();
        using (var stream = new NetworkStream(socket))
        {
            stream.CopyTo(response);
        }

        var bytes = response.ToArray();
        Assert.Equal(content, bytes.AsSpan(bytes.Length - content.Length).ToArray());
        Assert.Equal(sentByFile, counter.Bytes(server.Port));
    }
}
