using System.Net;
using System.Net.Sockets;
using Torsion.Endpoints;
using Torsion.Testing;

namespace Torsion.Tests.Endpoints;

using Endpoints = Torsion.Endpoints.Endpoints;

public sealed class EndpointSyntaxTests
{
    private readonly MemoryReactor _reactor = new();

    private EndpointSyntaxException ServerError(string text) => Assert.Throws<EndpointSyntaxException>(() => Endpoints.Server(_reactor, text));

    private EndpointSyntaxException ClientError(string text) => Assert.Throws<EndpointSyntaxException>(() => Endpoints.Client(_reactor, text));

    [Fact]
    public void Tcp_server_with_interface_and_backlog()
    {
        var e = Assert.IsType<TcpServerEndpoint>(Endpoints.Server(_reactor, "tcp:8080:interface=127.0.0.1:backlog=128"));
        Assert.Equal((8080, "127.0.0.1", 128), (e.Port, e.InterfaceAddress, e.Backlog));
        e.Listen(new Torsion.Protocols.Factory(_ => null));
        Assert.Equal((8080, "127.0.0.1", 128), (_reactor.TcpServers[0].Port, _reactor.TcpServers[0].InterfaceAddress, _reactor.TcpServers[0].Backlog));
    }

    [Fact]
    public void Tcp_server_port_as_keyword()
    {
        var e = Assert.IsType<TcpServerEndpoint>(Endpoints.Server(_reactor, "tcp:port=80"));
        Assert.Equal(80, e.Port);
        Assert.Null(e.InterfaceAddress);
    }

    [Fact]
    public void Tcp6_server_defaults_to_all_IPv6_interfaces_and_takes_unescaped_IPv6_interface()
    {
        Assert.Equal("::", Assert.IsType<TcpServerEndpoint>(Endpoints.Server(_reactor, "tcp6:8080")).InterfaceAddress);
        Assert.Equal("::1", Assert.IsType<TcpServerEndpoint>(Endpoints.Server(_reactor, "tcp6:8080:interface=::1")).InterfaceAddress);
        Assert.Equal("::1", Assert.IsType<TcpServerEndpoint>(Endpoints.Server(_reactor, @"tcp6:8080:interface=\:\:1:backlog=5")).InterfaceAddress);
    }

    [Fact]
    public void Unix_server_mode_is_octal()
    {
        var e = Assert.IsType<UnixServerEndpoint>(Endpoints.Server(_reactor, "unix:/run/x.sock:mode=660:backlog=7:lockfile=1"));
        Assert.Equal(("/run/x.sock", 432, 7, true), (e.Path, e.Mode, e.Backlog, e.LockFile));
    }

    [Fact]
    public void Escaped_colon_stays_in_the_path()
    {
        var e = Assert.IsType<UnixServerEndpoint>(Endpoints.Server(_reactor, @"unix:/tmp/a\:b.sock"));
        Assert.Equal("/tmp/a:b.sock", e.Path);
    }

    [Fact]
    public void Ssl_server_private_key_defaults_to_certKey()
    {
        var e = Assert.IsType<SslServerEndpoint>(Endpoints.Server(_reactor, "ssl:8443:certKey=cert.pem:interface=127.0.0.1"));
        Assert.Equal(("cert.pem", "cert.pem"), (e.Options.Certificate!.ChainPemFile, e.Options.Certificate.PrivateKeyPemFile));
        Assert.Equal(8443, e.Tcp.Port);
        var k = Assert.IsType<SslServerEndpoint>(Endpoints.Server(_reactor, "ssl:8443:certKey=cert.pem:privateKey=key.pem"));
        Assert.Equal("key.pem", k.Options.Certificate!.PrivateKeyPemFile);
    }

    [Fact]
    public void Systemd_by_index_and_by_name()
    {
        var e = Assert.IsType<SystemdEndpoint>(Endpoints.Server(_reactor, "systemd:domain=INET:index=0"));
        Assert.Equal((AddressFamily.InterNetwork, 0, (string?)null), (e.AddressFamily, e.Index, e.Name));
        var n = Assert.IsType<SystemdEndpoint>(Endpoints.Server(_reactor, "systemd:domain=INET6:name=web"));
        Assert.Equal((AddressFamily.InterNetworkV6, "web"), (n.AddressFamily, n.Name));
    }

    [Fact]
    public void Proxy_wraps_any_server_endpoint()
    {
        var e = Assert.IsType<ProxyServerEndpoint>(Endpoints.Server(_reactor, "proxy:tcp:8080:interface=127.0.0.1"));
        Assert.Equal(8080, Assert.IsType<TcpServerEndpoint>(e.Inner).Port);
        Assert.IsType<UnixServerEndpoint>(Assert.IsType<ProxyServerEndpoint>(Endpoints.Server(_reactor, "proxy:unix:/tmp/p.sock")).Inner);
    }

    [Fact]
    public void Tcp_client_keyword_and_positional_forms()
    {
        var e = Assert.IsType<HostnameEndpoint>(Endpoints.Client(_reactor, "tcp:host=127.0.0.1:port=80:timeout=10:bindAddress=127.0.0.2"));
        Assert.Equal(("127.0.0.1", 80, TimeSpan.FromSeconds(10)), (e.Host, e.Port, e.Timeout));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0), e.BindAddress);
        var p = Assert.IsType<HostnameEndpoint>(Endpoints.Client(_reactor, "tcp:127.0.0.1:80"));
        Assert.Equal(("127.0.0.1", 80), (p.Host, p.Port));
        var v6 = Assert.IsType<HostnameEndpoint>(Endpoints.Client(_reactor, "tcp:host=::1:port=80"));
        Assert.Equal(("::1", 80), (v6.Host, v6.Port));
    }

    [Fact]
    public void Unix_client_keyword_and_positional_forms()
    {
        var e = Assert.IsType<UnixClientEndpoint>(Endpoints.Client(_reactor, "unix:path=/run/x.sock:timeout=2.5"));
        Assert.Equal(("/run/x.sock", TimeSpan.FromSeconds(2.5)), (e.Path, e.Timeout));
        Assert.Equal("/run/y.sock", Assert.IsType<UnixClientEndpoint>(Endpoints.Client(_reactor, "unix:/run/y.sock")).Path);
    }

    [Fact]
    public void Tls_client_positional_and_keyword_forms()
    {
        var e = Assert.IsType<TlsClientEndpoint>(Endpoints.Client(_reactor, "tls:example.com:443"));
        var inner = Assert.IsType<HostnameEndpoint>(e.Inner);
        Assert.Equal(("example.com", 443, "example.com"), (inner.Host, inner.Port, e.Options.HostName));
        var k = Assert.IsType<TlsClientEndpoint>(Endpoints.Client(_reactor, "tls:host=example.com:port=8443:trustRoots=ca.pem:certificate=c.pem:privateKey=k.pem"));
        Assert.Equal(("ca.pem", "c.pem", "k.pem"), (k.Options.TrustedRootsPemFile, k.Options.Certificate!.ChainPemFile, k.Options.Certificate.PrivateKeyPemFile));
    }

    [Fact]
    public void Empty_string_is_refused() =>
        Assert.Equal("Bad endpoint '': the endpoint string is empty.", ServerError("").Message);

    [Fact]
    public void Unknown_server_type_is_named() =>
        Assert.Equal("Bad endpoint 'udp:53': 'udp' is not a server endpoint type (known: tcp, tcp6, unix, ssl, systemd, proxy).", ServerError("udp:53").Message);

    [Fact]
    public void Unknown_client_type_is_named() =>
        Assert.Equal("Bad endpoint 'ssl:a:1': 'ssl' is not a client endpoint type (known: tcp, unix, tls).", ClientError("ssl:a:1").Message);

    [Fact]
    public void Bad_tcp_port_is_named_with_the_form()
    {
        var e = ServerError("tcp:80a");
        Assert.Equal("Bad endpoint 'tcp:80a': the port '80a' is not a number from 0 to 65535. Accepted form: tcp:PORT[:interface=ADDRESS][:backlog=N]", e.Message);
        Assert.Equal("80a", e.Part);
    }

    [Fact]
    public void Tcp_port_out_of_range() =>
        Assert.Contains("the port '65536' is not a number from 0 to 65535", ServerError("tcp:65536").Message);

    [Fact]
    public void Missing_tcp_port() =>
        Assert.Equal("Bad endpoint 'tcp': the port (port) is missing. Accepted form: tcp:PORT[:interface=ADDRESS][:backlog=N]", ServerError("tcp").Message);

    [Fact]
    public void Unknown_option_is_named() =>
        Assert.Equal("Bad endpoint 'tcp:80:interfaces=::1': the option 'interfaces' is not known for tcp. Accepted form: tcp:PORT[:interface=ADDRESS][:backlog=N]", ServerError("tcp:80:interfaces=::1").Message);

    [Fact]
    public void Duplicate_option_is_named() =>
        Assert.Equal("Bad endpoint 'tcp:80:backlog=1:backlog=2': the option 'backlog' is given twice.", ServerError("tcp:80:backlog=1:backlog=2").Message);

    [Fact]
    public void Extra_positional_argument_is_named() =>
        Assert.Contains("the argument '90' is not expected here", ServerError("tcp:80:90").Message);

    [Fact]
    public void Port_given_twice_is_named() =>
        Assert.Contains("'port' is given both as argument 1 ('80') and as port=81", ServerError("tcp:80:port=81").Message);

    [Fact]
    public void Bad_interface_is_named() =>
        Assert.Equal("Bad endpoint 'tcp:80:interface=localhost': interface must be an IP literal (such as 127.0.0.1 or ::1), not 'localhost'. Accepted form: tcp:PORT[:interface=ADDRESS][:backlog=N]", ServerError("tcp:80:interface=localhost").Message);

    [Fact]
    public void Tcp6_needs_an_IPv6_interface() =>
        Assert.Contains("interface must be an IPv6 literal (such as ::1), not '127.0.0.1'. Accepted form: tcp6:PORT", ServerError("tcp6:80:interface=127.0.0.1").Message);

    [Fact]
    public void Bad_backlog_is_named() =>
        Assert.Contains("backlog must be a whole number of at least 0, not 'many'", ServerError("tcp:80:backlog=many").Message);

    [Fact]
    public void Bad_unix_mode_is_named() =>
        Assert.Equal("Bad endpoint 'unix:/x.sock:mode=698': mode must be octal permission bits such as 660 or 0600, not '698'. Accepted form: unix:PATH[:mode=OCTAL][:backlog=N][:lockfile=0|1]", ServerError("unix:/x.sock:mode=698").Message);

    [Fact]
    public void Bad_unix_lockfile_is_named() =>
        Assert.Contains("lockfile must be 0 or 1, not 'yes'", ServerError("unix:/x.sock:lockfile=yes").Message);

    [Fact]
    public void Missing_unix_path() =>
        Assert.Contains("the socket path is missing. Accepted form: unix:PATH", ServerError("unix").Message);

    [Fact]
    public void Ssl_needs_certKey() =>
        Assert.Equal("Bad endpoint 'ssl:8443': the certificate file (certKey=) is missing. Accepted form: ssl:PORT:certKey=CERT.pem[:privateKey=KEY.pem][:extraCertChain=CHAIN.pem][:interface=ADDRESS][:backlog=N][:alpn=h2,http/1.1]", ServerError("ssl:8443").Message);

    [Fact]
    public void Ssl_alpn_lists_the_offered_protocols()
    {
        var cert = System.IO.Path.GetTempFileName();
        try
        {
            var endpoint = (Torsion.Endpoints.SslServerEndpoint)Torsion.Endpoints.Endpoints.Server(new Torsion.Testing.MemoryReactor(), $"ssl:8443:certKey={cert}:alpn=h2,http/1.1");
            Assert.Equal(["h2", "http/1.1"], endpoint.Options.ApplicationProtocols);
        }
        finally
        {
            System.IO.File.Delete(cert);
        }
    }

    [Fact]
    public void Systemd_bad_domain() =>
        Assert.Contains("the domain 'IPX' is not INET or INET6. Accepted form: systemd:domain=INET|INET6:index=N", ServerError("systemd:domain=IPX:index=0").Message);

    [Fact]
    public void Systemd_unix_domain_is_not_supported_yet() =>
        Assert.Contains("domain=UNIX is not supported yet", ServerError("systemd:domain=UNIX:index=0").Message);

    [Fact]
    public void Systemd_needs_index_or_name() =>
        Assert.Contains("the socket's index= (0 for the first passed socket) or name= is missing", ServerError("systemd:domain=INET").Message);

    [Fact]
    public void Systemd_refuses_index_and_name() =>
        Assert.Contains("give either index= or name=, not both", ServerError("systemd:domain=INET:index=0:name=web").Message);

    [Fact]
    public void Systemd_bad_index() =>
        Assert.Contains("index must be a whole number of at least 0, not '-1'", ServerError("systemd:domain=INET:index=-1").Message);

    [Fact]
    public void Proxy_without_endpoint() =>
        Assert.Contains("the endpoint to accept PROXY connections on is missing. Accepted form: proxy:SERVER-ENDPOINT", ServerError("proxy").Message);

    [Fact]
    public void Proxy_names_the_bad_inner_part() =>
        Assert.Equal("Bad endpoint 'tcp:x': the port 'x' is not a number from 0 to 65535. Accepted form: tcp:PORT[:interface=ADDRESS][:backlog=N] (inside 'proxy:tcp:x')", ServerError("proxy:tcp:x").Message);

    [Fact]
    public void Trailing_backslash_is_refused() =>
        Assert.Contains("the string ends with a lone backslash", ServerError("unix:/tmp/x\\").Message);

    [Fact]
    public void Tcp_client_missing_host() =>
        Assert.Equal("Bad endpoint 'tcp:port=80': the host (host=) is missing. Accepted form: tcp:host=HOST:port=PORT[:timeout=SECONDS][:bindAddress=ADDRESS] or tcp:HOST:PORT[:...]", ClientError("tcp:port=80").Message);

    [Fact]
    public void Tcp_client_missing_port() =>
        Assert.Contains("the port (port) is missing", ClientError("tcp:host=127.0.0.1").Message);

    [Fact]
    public void Tcp_client_bad_timeout() =>
        Assert.Contains("timeout must be a positive number of seconds, not '0'", ClientError("tcp:127.0.0.1:80:timeout=0").Message);

    [Fact]
    public void Tcp_client_bad_bind_address() =>
        Assert.Contains("bindAddress must be an IP literal (such as 127.0.0.1 or ::1), not 'me'", ClientError("tcp:127.0.0.1:80:bindAddress=me").Message);

    [Fact]
    public void Tls_client_certificate_without_key() =>
        Assert.Contains("a client certificate needs both certificate= and privateKey=. Accepted form: tls:host=HOST", ClientError("tls:example.com:443:certificate=c.pem").Message);

    [Fact]
    public void Tls_client_unknown_option() =>
        Assert.Contains("the option 'sni' is not known for tls", ClientError("tls:example.com:443:sni=x").Message);

    [Fact]
    public void Option_without_name() =>
        Assert.Contains("the argument '=5' has no name before '='", ServerError("tcp:80:=5").Message);
}
