using System.Net;
using System.Security.Authentication;
using System.Text;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Tests.Transports;
using Torsion.Tls;
using Torsion.Transports;

namespace Torsion.Tests.Tls;

/// <summary>Our TLS against real programs on 127.0.0.1: openssl s_client and s_server, curl.</summary>
public sealed class TlsInteropTests : ReactorHarness
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(15);

    private static TestCertificates Certs => TestCertificates.Shared;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private async Task<int> ListenSsl(Func<IProtocol> create, TlsOptions options)
    {
        var port = await On(() => Reactor.ListenSsl(0, Factory.ForProtocol(create), options, interfaceAddress: "127.0.0.1"));
        return ((IPEndPoint)port.Host).Port;
    }

    [Theory]
    [InlineData("tls1_2", "TLSv1.2")]
    [InlineData("tls1_3", "TLSv1.3")]
    public async Task Openssl_s_client_verifies_our_server_and_negotiates_ALPN(string flag, string version)
    {
        var options = TlsOptions.Server(Certs.ServerRsa.ChainPemFile, Certs.ServerRsa.PrivateKeyPemFile);
        options.ApplicationProtocols.Add("h2");
        options.ApplicationProtocols.Add("http/1.1");
        var port = await ListenSsl(() => new Greeter(), options);
        using var client = PeerProcess.Start("openssl", "s_client", "-connect", $"127.0.0.1:{port}", "-" + flag,
            "-CAfile", Certs.CaFile, "-verify_return_error", "-verify_ip", "127.0.0.1", "-alpn", "http/1.1", "-servername", "localhost");
        var exit = await client.WaitForExit(PeerTimeout);
        var output = client.Output;
        Assert.True(exit == 0, output);
        Assert.Contains("hello from torsion", output);
        Assert.Contains("Verify return code: 0 (ok)", output);
        Assert.Contains("ALPN protocol: http/1.1", output);
        Assert.Contains(version, output);
    }

    [Fact]
    public async Task Openssl_s_client_without_the_CA_refuses_our_server()
    {
        var port = await ListenSsl(() => new Greeter(), TlsOptions.Server(Certs.ServerRsa.ChainPemFile, Certs.ServerRsa.PrivateKeyPemFile));
        using var client = PeerProcess.Start("openssl", "s_client", "-connect", $"127.0.0.1:{port}", "-verify_return_error", "-CAfile", Certs.OtherCaFile);
        var exit = await client.WaitForExit(PeerTimeout);
        Assert.NotEqual(0, exit);
        Assert.Contains("unable to get local issuer certificate", client.Output);
    }

    /// <summary>openssl s_server on a port it binds itself (0) and names in its "ACCEPT 127.0.0.1:PORT" line.</summary>
    private static async Task<(PeerProcess Server, int Port)> StartOpensslServer(params string[] arguments)
    {
        var server = PeerProcess.Start("openssl", ["s_server", "-accept", "127.0.0.1:0", .. arguments]);
        try
        {
            await server.WaitForOutput("ACCEPT 127.0.0.1:", PeerTimeout);
            var port = System.Text.RegularExpressions.Regex.Match(server.Output, @"ACCEPT 127\.0\.0\.1:([0-9]+)");
            Assert.True(port.Success, server.Output);
            return (server, int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    [Theory]
    [InlineData("tls1_2", SslProtocols.Tls12, "TLSv1.2")]
    [InlineData("tls1_3", SslProtocols.Tls13, "TLSv1.3")]
    public async Task Our_client_verifies_openssl_s_server_and_reads_its_page(string flag, SslProtocols version, string versionText)
    {
        var (server, port) = await StartOpensslServer("-cert", Certs.ServerRsa.ChainPemFile, "-key", Certs.ServerRsa.PrivateKeyPemFile,
            "-www", "-" + flag, "-alpn", "http/1.1");
        using var _ = server;
        var options = TlsOptions.Client("127.0.0.1");
        options.TrustedRootsPemFile = Certs.CaFile;
        options.ApplicationProtocols.Add("h2");
        options.ApplicationProtocols.Add("http/1.1");
        var client = new PageClient();
        await On(() => Reactor.ConnectSsl("127.0.0.1", port, new ClientFactory(_ => client), options));
        await Within(client.Handshake.Task);
        Assert.Equal(version, await On(() => client.Tls.NegotiatedProtocolVersion));
        Assert.Equal("http/1.1", await On(() => client.Tls.NegotiatedApplicationProtocol));
        Assert.Equal("CN=localhost", client.PeerSubject);
        var reason = await Within(client.Lost.Task);
        var page = Encoding.ASCII.GetString(client.Received);
        Assert.StartsWith("HTTP/1.0 200 ok", page);
        Assert.Contains(versionText, page);
        Assert.True(reason is ConnectionDoneException, reason.ToString());
    }

    [Fact]
    public async Task Our_client_refuses_openssl_s_server_with_a_certificate_for_another_name()
    {
        var (server, port) = await StartOpensslServer("-cert", Certs.WrongName.ChainPemFile, "-key", Certs.WrongName.PrivateKeyPemFile, "-www");
        using var _ = server;
        var options = TlsOptions.Client("localhost");
        options.TrustedRootsPemFile = Certs.CaFile;
        var client = new PageClient();
        await On(() => Reactor.ConnectSsl("127.0.0.1", port, new ClientFactory(_ => client), options));
        var reason = Assert.IsType<TlsException>(await Within(client.Lost.Task));
        Assert.Contains("hostname mismatch", reason.Message);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Curl_with_cacert_fetches_a_page_from_our_server(string host)
    {
        var options = TlsOptions.Server(Certs.ServerEcdsa.ChainPemFile, Certs.ServerEcdsa.PrivateKeyPemFile);
        options.ApplicationProtocols.Add("http/1.1");
        var port = await ListenSsl(() => new TinyHttpResponder(), options);
        using var curl = PeerProcess.Start("curl", "-sS", "--max-time", "10", "--cacert", Certs.CaFile,
            "--resolve", $"localhost:{port}:127.0.0.1", $"https://{host}:{port}/hello");
        var exit = await curl.WaitForExit(PeerTimeout);
        Assert.True(exit == 0, curl.Output);
        Assert.Contains("hello over tls", curl.Output);
    }

    [Fact]
    public async Task Curl_without_the_CA_refuses_our_server()
    {
        var port = await ListenSsl(() => new TinyHttpResponder(), TlsOptions.Server(Certs.ServerEcdsa.ChainPemFile, Certs.ServerEcdsa.PrivateKeyPemFile));
        using var curl = PeerProcess.Start("curl", "-sS", "--max-time", "10", $"https://127.0.0.1:{port}/hello");
        var exit = await curl.WaitForExit(PeerTimeout);
        Assert.Equal(60, exit); // CURLE_PEER_FAILED_VERIFICATION
    }

    /// <summary>Says hello once the handshake is done, then closes with close_notify.</summary>
    private sealed class Greeter : TlsRecorder
    {
        public override void HandshakeCompleted()
        {
            base.HandshakeCompleted();
            Transport.Write("hello from torsion\n"u8);
            Transport.LoseConnection();
        }
    }

    /// <summary>Asks openssl s_server -www for its status page.</summary>
    private sealed class PageClient : TlsRecorder
    {
        public override void HandshakeCompleted()
        {
            base.HandshakeCompleted();
            Transport.Write("GET / HTTP/1.0\r\n\r\n"u8);
        }
    }

    /// <summary>Answers one HTTP/1.1 request with a fixed body and closes.</summary>
    private sealed class TinyHttpResponder : TlsRecorder
    {
        private readonly List<byte> _request = [];

        protected override void OnData(ReadOnlySpan<byte> data)
        {
            _request.AddRange(data.ToArray());
            if (Encoding.ASCII.GetString([.. _request]).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                Transport.Write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\nhello over tls\n"u8);
                Transport.LoseConnection();
            }
        }
    }
}
