using System.Net;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Tests.Transports;
using Torsion.Tls;
using Torsion.Transports;

namespace Torsion.Tests.Tls;

/// <summary>TLS over TCP through the real epoll reactor on 127.0.0.1, with certificates made by the test.</summary>
public sealed partial class TlsTests : ReactorHarness
{
    private static TestCertificates Certs => TestCertificates.Shared;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    private static TlsOptions Server(TlsCertificateFiles files) =>
        TlsOptions.Server(files.ChainPemFile, files.PrivateKeyPemFile);

    private static TlsOptions Client(string host = "localhost") => TlsOptions.Client(host);

    private async Task<(CapturingFactory<T> Factory, int Port)> ListenSsl<T>(Func<T> create, TlsOptions options)
        where T : IProtocol
    {
        var factory = new CapturingFactory<T>(create);
        var port = await On(() => Reactor.ListenSsl(0, factory, options, interfaceAddress: "127.0.0.1"));
        return (factory, ((IPEndPoint)port.Host).Port);
    }

    private async Task<T> ConnectSsl<T>(int port, T client, TlsOptions options)
        where T : IProtocol
    {
        await On(() => Reactor.ConnectSsl("127.0.0.1", port, new ClientFactory(_ => client), options));
        return client;
    }

    private async Task<(TlsRecorder Server, TlsRecorder Client)> Pair(TlsOptions server, TlsOptions client, Func<TlsRecorder>? makeServer = null)
    {
        var (factory, port) = await ListenSsl(makeServer ?? (() => new TlsEcho()), server);
        var c = await ConnectSsl(port, new TlsRecorder(), client);
        await Within(c.Handshake.Task);
        var s = await Within(factory.First.Task);
        await Within(s.Handshake.Task);
        return (s, c);
    }

    private async Task<Exception> HandshakeFails(TlsOptions server, TlsOptions client)
    {
        var (_, port) = await ListenSsl(() => new TlsEcho(), server);
        var c = await ConnectSsl(port, new TlsRecorder(), client);
        return await Within(c.Lost.Task);
    }

    private static TlsOptions TrustingClient(string host = "localhost")
    {
        var options = Client(host);
        options.TrustedRootsPemFile = Certs.CaFile;
        return options;
    }

    [Theory]
    [InlineData(SslProtocols.Tls13, "rsa")]
    [InlineData(SslProtocols.Tls12, "rsa")]
    [InlineData(SslProtocols.Tls13, "ecdsa")]
    [InlineData(SslProtocols.Tls12, "ecdsa")]
    public async Task Bytes_are_echoed_over_TLS(SslProtocols version, string keyType)
    {
        var client = TrustingClient();
        client.EnabledProtocols = version;
        var (server, c) = await Pair(Server(keyType == "rsa" ? Certs.ServerRsa : Certs.ServerEcdsa), client);
        await On(() => c.Transport.Write("hello over tls"u8));
        await Within(c.WaitForBytes(14));
        Assert.Equal("hello over tls", Encoding.ASCII.GetString(c.Received));
        Assert.Equal(version, await On(() => c.Tls.NegotiatedProtocolVersion));
        Assert.Equal(version, await On(() => server.Tls.NegotiatedProtocolVersion));
        Assert.Equal("CN=localhost", c.PeerSubject);
        Assert.Null(server.PeerSubject);
    }

    [Fact]
    public async Task ALPN_picks_the_servers_first_choice_that_the_client_offers()
    {
        var server = Server(Certs.ServerRsa);
        server.ApplicationProtocols.Add("h2");
        server.ApplicationProtocols.Add("http/1.1");
        var client = TrustingClient();
        client.ApplicationProtocols.Add("http/1.1");
        client.ApplicationProtocols.Add("h2");
        var (s, c) = await Pair(server, client);
        Assert.Equal("h2", await On(() => c.Tls.NegotiatedApplicationProtocol));
        Assert.Equal("h2", await On(() => s.Tls.NegotiatedApplicationProtocol));
    }

    [Fact]
    public async Task ALPN_with_no_protocol_in_common_fails_with_no_application_protocol()
    {
        var server = Server(Certs.ServerRsa);
        server.ApplicationProtocols.Add("h2");
        var client = TrustingClient();
        client.ApplicationProtocols.Add("imap");
        var reason = await HandshakeFails(server, client);
        var tls = Assert.IsType<TlsException>(reason);
        Assert.Contains("no application protocol", tls.Message);
    }

    [Fact]
    public async Task Without_ALPN_no_protocol_is_negotiated()
    {
        var (s, c) = await Pair(Server(Certs.ServerRsa), TrustingClient());
        Assert.Null(await On(() => c.Tls.NegotiatedApplicationProtocol));
        Assert.Null(await On(() => s.Tls.NegotiatedApplicationProtocol));
    }

    [Theory]
    [InlineData("a.test", "CN=a.test")]
    [InlineData("b.test", "CN=b.test")]
    [InlineData("localhost", "CN=localhost")]
    public async Task SNI_picks_the_certificate_for_the_name_the_client_sends(string name, string subject)
    {
        var server = Server(Certs.ServerRsa);
        server.ServerNameCertificates["a.test"] = Certs.SniA;
        server.ServerNameCertificates["b.test"] = Certs.SniB;
        var (s, c) = await Pair(server, TrustingClient(name));
        Assert.Equal(subject, c.PeerSubject);
        Assert.Equal(name, await On(() => s.Tls.ServerName));
    }

    [Fact]
    public async Task A_required_client_certificate_is_verified_and_seen_by_the_server()
    {
        var server = Server(Certs.ServerRsa);
        server.ClientCertificateMode = TlsClientCertificateMode.Require;
        server.TrustedRootsPemFile = Certs.CaFile;
        var client = TrustingClient();
        client.Certificate = Certs.Client;
        var (s, c) = await Pair(server, client);
        Assert.Equal("CN=alice", s.PeerSubject);
        await On(() => c.Transport.Write("ping"u8));
        await Within(c.WaitForBytes(4));
    }

    [Fact]
    public async Task A_requested_client_certificate_may_be_absent()
    {
        var server = Server(Certs.ServerRsa);
        server.ClientCertificateMode = TlsClientCertificateMode.Request;
        server.TrustedRootsPemFile = Certs.CaFile;
        var (s, _) = await Pair(server, TrustingClient());
        Assert.Null(s.PeerSubject);
    }

    [Fact]
    public async Task A_missing_required_client_certificate_fails_the_handshake_on_the_server()
    {
        var server = Server(Certs.ServerRsa);
        server.ClientCertificateMode = TlsClientCertificateMode.Require;
        server.TrustedRootsPemFile = Certs.CaFile;
        var (factory, port) = await ListenSsl(() => new TlsEcho(), server);
        var c = await ConnectSsl(port, new TlsRecorder(), TrustingClient());
        var s = await Within(factory.First.Task);
        var serverReason = Assert.IsType<TlsException>(await Within(s.Lost.Task));
        Assert.Contains("peer did not return a certificate", serverReason.Message);
        var clientReason = Assert.IsType<TlsException>(await Within(c.Lost.Task));
        Assert.Contains("certificate required", clientReason.Message);
    }

    [Fact]
    public async Task A_client_certificate_from_an_untrusted_issuer_is_refused()
    {
        var server = Server(Certs.ServerRsa);
        server.ClientCertificateMode = TlsClientCertificateMode.Require;
        server.TrustedRootsPemFile = Certs.CaFile;
        var client = TrustingClient();
        client.Certificate = Certs.ClientOfOtherCa;
        var (factory, port) = await ListenSsl(() => new TlsEcho(), server);
        var c = await ConnectSsl(port, new TlsRecorder(), client);
        var s = await Within(factory.First.Task);
        var serverReason = Assert.IsType<TlsException>(await Within(s.Lost.Task));
        Assert.Contains("client certificate verification failed: unknown issuer", serverReason.Message);
        Assert.IsType<TlsException>(await Within(c.Lost.Task));
    }

    [Fact]
    public async Task A_server_certificate_for_another_name_fails_with_hostname_mismatch()
    {
        var reason = Assert.IsType<TlsException>(await HandshakeFails(Server(Certs.WrongName), TrustingClient("localhost")));
        Assert.Contains("hostname mismatch", reason.Message);
        Assert.Contains("'localhost'", reason.Message);
        Assert.Equal(62, reason.VerifyResult);
    }

    [Fact]
    public async Task An_IP_literal_is_verified_against_the_certificates_IP_addresses()
    {
        var (_, c) = await Pair(Server(Certs.ServerRsa), TrustingClient("127.0.0.1"));
        Assert.Equal("CN=localhost", c.PeerSubject);
        var reason = Assert.IsType<TlsException>(await HandshakeFails(Server(Certs.WrongName), TrustingClient("127.0.0.1")));
        Assert.Contains("IP address mismatch", reason.Message);
    }

    [Fact]
    public async Task An_expired_server_certificate_fails_with_expired()
    {
        var reason = Assert.IsType<TlsException>(await HandshakeFails(Server(Certs.Expired), TrustingClient()));
        Assert.Contains("certificate has expired", reason.Message);
    }

    [Fact]
    public async Task A_self_signed_server_certificate_fails_with_unknown_issuer()
    {
        var reason = Assert.IsType<TlsException>(await HandshakeFails(Server(Certs.SelfSigned), TrustingClient()));
        Assert.Contains("unknown issuer", reason.Message);
        Assert.Contains("self-signed", reason.Message);
    }

    [Fact]
    public async Task A_certificate_from_a_CA_missing_from_the_system_store_fails_with_unknown_issuer()
    {
        var reason = Assert.IsType<TlsException>(await HandshakeFails(Server(Certs.ServerRsa), Client()));
        Assert.Contains("unknown issuer", reason.Message);
    }

    [Fact]
    public async Task TLS_1_2_only_server_refuses_a_TLS_1_3_only_client()
    {
        var server = Server(Certs.ServerRsa);
        server.EnabledProtocols = SslProtocols.Tls12;
        var client = TrustingClient();
        client.EnabledProtocols = SslProtocols.Tls13;
        var reason = Assert.IsType<TlsException>(await HandshakeFails(server, client));
        Assert.Contains("protocol version", reason.Message);
    }

    [Fact]
    public async Task LoseConnection_sends_close_notify_and_both_sides_see_a_clean_close()
    {
        var (s, c) = await Pair(Server(Certs.ServerRsa), TrustingClient());
        await On(() =>
        {
            c.Transport.Write("last words"u8);
            c.Transport.LoseConnection();
        });
        Assert.IsType<ConnectionDoneException>(await Within(s.Lost.Task));
        Assert.Equal("last words", Encoding.ASCII.GetString(s.Received));
        Assert.IsType<ConnectionDoneException>(await Within(c.Lost.Task));
    }

    [Fact]
    public async Task A_peer_closing_TCP_without_close_notify_is_reported_as_truncation()
    {
        var (s, c) = await Pair(Server(Certs.ServerRsa), TrustingClient());
        // Application bytes from the server first: the TLS 1.3 session tickets the server sends after the handshake
        // come before them, so the client has read everything and its close is a FIN (unread bytes would make it a
        // reset, which is reported as such).
        await On(() => s.Transport.Write("ready"u8));
        await Within(c.WaitForBytes(5));
        await On(() => ((TlsMemoryBioProtocol)c.Transport).Underlying!.LoseConnection());
        var reason = await Within(s.Lost.Task);
        Assert.IsType<ConnectionLostException>(reason);
        Assert.Contains("truncated", reason.Message);
        Assert.Contains("close_notify", reason.Message);
    }

    [Fact]
    public async Task LoseWriteConnection_sends_close_notify_and_the_peer_may_still_answer()
    {
        var (factory, port) = await ListenSsl(() => new HalfCloseTlsServer(), Server(Certs.ServerRsa));
        var c = await ConnectSsl(port, new HalfCloseTlsClient(), TrustingClient());
        await Within(c.Handshake.Task);
        await On(() =>
        {
            c.Transport.Write("question"u8);
            ((IHalfCloseable)c.Transport).LoseWriteConnection();
        });
        await Within(c.WriteLost.Task);
        var s = await Within(factory.First.Task);
        await Within(s.ReadLost.Task);
        Assert.Equal("question", Encoding.ASCII.GetString(s.Received));
        await Within(c.ReadLost.Task);
        Assert.Equal("answer", Encoding.ASCII.GetString(c.Received));
        Assert.IsType<ConnectionDoneException>(await Within(c.Lost.Task));
        Assert.IsType<ConnectionDoneException>(await Within(s.Lost.Task));
    }

    [Fact]
    public async Task STARTTLS_with_the_ClientHello_in_the_same_segment_upgrades_without_losing_bytes()
    {
        var serverOptions = Server(Certs.ServerRsa);
        var factory = new CapturingFactory<StartTlsLineServer>(() => new StartTlsLineServer(serverOptions));
        var port = ((IPEndPoint)(await On(() => Reactor.ListenTcp(0, new TlsFactory(factory, null), interfaceAddress: "127.0.0.1"))).Host).Port;
        var c = new TlsRecorder();
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, new TlsClientFactory(new ClientFactory(_ => c), null, "localhost")));
        await Within(c.Made.Task);
        await On(() => c.Transport.Write("EHLO me\r\nPING\r\n"u8));
        await Within(c.WaitForBytes("OK EHLO me\r\nPONG clear\r\n".Length));
        Assert.False(await On(() => c.Tls.IsTlsStarted));
        await On(() =>
        {
            // One callback: the STARTTLS line and the ClientHello leave in one send.
            c.Transport.Write("STARTTLS\r\n"u8);
            c.Tls.StartTls(TrustingClient());
        });
        await Within(c.Handshake.Task);
        var s = await Within(factory.First.Task);
        await Within(s.Handshake.Task);
        Assert.True(s.BytesAfterStartTlsInSameRead > 0, "the ClientHello did not arrive with the STARTTLS line");
        var before = c.Count;
        await On(() => c.Transport.Write("PING\r\n"u8));
        await Within(c.WaitForBytes(before + "PONG tls\r\n".Length));
        Assert.EndsWith("PONG tls\r\n", Encoding.ASCII.GetString(c.Received));
        Assert.Equal(["EHLO me", "PING", "STARTTLS", "PING"], s.Lines);
        Assert.Equal(SslProtocols.Tls13, await On(() => c.Tls.NegotiatedProtocolVersion));
    }

    [Fact]
    public async Task StartTls_twice_is_refused()
    {
        var (_, c) = await Pair(Server(Certs.ServerRsa), TrustingClient());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => On(() => c.Tls.StartTls(TrustingClient())));
        Assert.Contains("already started", error.Message);
    }

    [Fact]
    public async Task Eight_MiB_pushed_by_a_producer_arrive_intact_under_flow_control()
    {
        const long total = 8L << 20;
        FloodProducer? producer = null;
        var (factory, port) = await ListenSsl(() => new ProducingTlsServer(total, p => producer = p), Server(Certs.ServerEcdsa));
        var c = await ConnectSsl(port, new TlsRecorder { KeepBytes = false }, TrustingClient());
        var reason = await c.Lost.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(total, c.Count);
        Assert.True(reason is ConnectionDoneException, reason.ToString());
        Assert.True(await On(() => producer!.Pauses) > 0, "the producer was never paused");
    }

    [Fact]
    public async Task Reload_switches_new_handshakes_to_the_new_certificate_and_keeps_live_connections()
    {
        var files = Certs.NewServer("reload-live", "first");
        var options = Server(files);
        var (factory, port) = await ListenSsl(() => new TlsEcho(), options);
        var first = await ConnectSsl(port, new TlsRecorder(), TrustingClient());
        await Within(first.Handshake.Task);
        Assert.Equal("CN=first", first.PeerSubject);

        TestCertificates.CopyOver(Certs.NewServer("reload-next", "second"), files);
        options.Reload();
        Assert.Equal(2, options.Generation);

        var second = await ConnectSsl(port, new TlsRecorder(), TrustingClient());
        await Within(second.Handshake.Task);
        Assert.Equal("CN=second", second.PeerSubject);
        await On(() => first.Transport.Write("still here"u8));
        await Within(first.WaitForBytes(10));
        Assert.False(first.Lost.Task.IsCompleted);
    }

    [Fact]
    public async Task A_bad_file_on_reload_keeps_the_old_certificate()
    {
        var files = Certs.NewServer("reload-bad", "kept");
        var options = Server(files);
        var (_, port) = await ListenSsl(() => new TlsEcho(), options);
        File.WriteAllText(files.ChainPemFile, "not a certificate");
        var error = Assert.Throws<InvalidDataException>(options.Reload);
        Assert.Contains(files.ChainPemFile, error.Message);
        var c = await ConnectSsl(port, new TlsRecorder(), TrustingClient());
        await Within(c.Handshake.Task);
        Assert.Equal("CN=kept", c.PeerSubject);
    }

    [Fact]
    public async Task SIGHUP_reloads_the_certificate_files()
    {
        var files = Certs.NewServer("reload-hup", "before-hup");
        var options = Server(files);
        var (_, port) = await ListenSsl(() => new TlsEcho(), options);
        using (options.ReloadOnHangup())
        {
            TestCertificates.CopyOver(Certs.NewServer("reload-hup-next", "after-hup"), files);
            Assert.Equal(0, Kill(Environment.ProcessId, 1));
            var deadline = DateTime.UtcNow + Timeout;
            while (options.Generation < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }

        Assert.Equal(2, options.Generation);
        var c = await ConnectSsl(port, new TlsRecorder(), TrustingClient());
        await Within(c.Handshake.Task);
        Assert.Equal("CN=after-hup", c.PeerSubject);
    }

    [Fact]
    public async Task ListenSsl_with_a_missing_key_file_names_the_file()
    {
        var options = TlsOptions.Server(Certs.ServerRsa.ChainPemFile, "/nonexistent/key.pem");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => On(() => Reactor.ListenSsl(0, new Factory(_ => new TlsEcho()), options, interfaceAddress: "127.0.0.1")));
        Assert.Contains("/nonexistent/key.pem", error.Message);
    }

    [Fact]
    public async Task Writing_from_another_thread_is_refused()
    {
        var (_, c) = await Pair(Server(Certs.ServerRsa), TrustingClient());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => c.Transport.Write("x"u8)));
        Assert.Contains("CallFromThread", error.Message);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private sealed class HalfCloseTlsServer : TlsRecorder, IHalfCloseableProtocol
    {
        public TaskCompletionSource ReadLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReadConnectionLost()
        {
            ReadLost.TrySetResult();
            Transport.Write("answer"u8);
            Transport.LoseConnection();
        }

        public void WriteConnectionLost()
        {
        }
    }

    private sealed class HalfCloseTlsClient : TlsRecorder, IHalfCloseableProtocol
    {
        public TaskCompletionSource ReadLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WriteLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReadConnectionLost() => ReadLost.TrySetResult();

        public void WriteConnectionLost() => WriteLost.TrySetResult();
    }

    private sealed class ProducingTlsServer(long total, Action<FloodProducer> made) : TlsRecorder
    {
        public override void ConnectionMade()
        {
            var producer = new FloodProducer(Transport, total);
            made(producer);
            Transport.RegisterProducer(producer, streaming: true);
            producer.ResumeProducing();
        }
    }
}
