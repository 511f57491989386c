using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;

namespace Torsion.Endpoints;

/// <summary>
/// Parses endpoint strings (Twisted's <c>serverFromString</c>/<c>clientFromString</c>):
/// <c>Endpoints.Server(reactor, "tcp:8080")</c>, <c>Endpoints.Client(reactor, "tls:example.com:443")</c>.
/// </summary>
/// <remarks>
/// The class is named like its namespace so that user code reads <c>Endpoints.Server(...)</c> after
/// <c>using Torsion.Endpoints;</c>. Code that itself lives in a <c>Torsion.*</c> namespace sees the namespace first;
/// there, add <c>using Endpoints = Torsion.Endpoints.Endpoints;</c> after the file's namespace line.
/// </remarks>
public static class Endpoints
{
    /// <summary>The accepted forms of the server endpoint types, by type.</summary>
    public static IReadOnlyDictionary<string, string> ServerForms { get; } = new Dictionary<string, string>
    {
        ["tcp"] = "tcp:PORT[:interface=ADDRESS][:backlog=N]",
        ["tcp6"] = "tcp6:PORT[:interface=IPV6-ADDRESS][:backlog=N]",
        ["unix"] = "unix:PATH[:mode=OCTAL][:backlog=N][:lockfile=0|1]",
        ["ssl"] = "ssl:PORT:certKey=CERT.pem[:privateKey=KEY.pem][:extraCertChain=CHAIN.pem][:interface=ADDRESS][:backlog=N][:alpn=h2,http/1.1]",
        ["systemd"] = "systemd:domain=INET|INET6:index=N (or name=FDNAME instead of index)",
        ["proxy"] = "proxy:SERVER-ENDPOINT (e.g. proxy:tcp:8080)",
    };

    /// <summary>The accepted forms of the client endpoint types, by type.</summary>
    public static IReadOnlyDictionary<string, string> ClientForms { get; } = new Dictionary<string, string>
    {
        ["tcp"] = "tcp:host=HOST:port=PORT[:timeout=SECONDS][:bindAddress=ADDRESS] or tcp:HOST:PORT[:...]",
        ["unix"] = "unix:path=PATH[:timeout=SECONDS] or unix:PATH[:...]",
        ["tls"] = "tls:host=HOST:port=PORT[:timeout=SECONDS][:bindAddress=ADDRESS][:trustRoots=CA.pem][:certificate=CERT.pem:privateKey=KEY.pem] or tls:HOST:PORT[:...]",
    };

    /// <summary>Parses a server endpoint string; nothing listens until <see cref="IStreamServerEndpoint.Listen"/>.</summary>
    /// <param name="reactor">The reactor the endpoint listens with.</param>
    /// <param name="description">e.g. <c>tcp:8080:interface=127.0.0.1</c>.</param>
    /// <param name="loggerFactory">Where <c>proxy:</c> logs refused headers; null: the reactor's (for <see cref="ReactorBase"/>).</param>
    /// <exception cref="EndpointSyntaxException">The string is not a valid server endpoint: the message names the bad part and shows the accepted form.</exception>
    public static IStreamServerEndpoint Server(IReactor reactor, string description, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(description);
        var d = EndpointDescription.Parse(description);
        if (!ServerForms.TryGetValue(d.Type, out var form))
        {
            throw d.Error(d.Type, $"'{d.Type}' is not a server endpoint type (known: {string.Join(", ", ServerForms.Keys)})");
        }

        d.Form = form;
        switch (d.Type)
        {
            case "tcp":
            case "tcp6":
            {
                var port = d.Port("port", 0);
                var iface = d.Address("interface", ipv6Only: d.Type == "tcp6") ?? (d.Type == "tcp6" ? "::" : null);
                var backlog = d.Int("backlog", 50);
                d.CheckAllUsed(1);
                return new TcpServerEndpoint(reactor, port, backlog, iface);
            }

            case "unix":
            {
                var path = d.Require("address", 0, "the socket path");
                var modeText = d.Get("mode");
                var mode = 438;
                if (modeText is not null && !TryOctal(modeText, out mode))
                {
                    throw d.Error($"mode={modeText}", $"mode must be octal permission bits such as 660 or 0600, not '{modeText}'");
                }

                var backlog = d.Int("backlog", 50);
                var lockFile = d.Flag("lockfile");
                d.CheckAllUsed(1);
                return new UnixServerEndpoint(reactor, path, backlog, mode, lockFile);
            }

            case "ssl":
            {
                var port = d.Port("port", 0);
                var certKey = d.Require("certKey", -1, "the certificate file (certKey=)");
                var privateKey = d.Get("privateKey") ?? certKey;
                var extra = d.Get("extraCertChain");
                var iface = d.Address("interface");
                var backlog = d.Int("backlog", 50);
                var alpn = d.Get("alpn");
                d.CheckAllUsed(1);
                var chain = extra is null ? certKey : TlsChainFile.Combine(certKey, extra);
                var tls = TlsOptions.Server(chain, privateKey);
                foreach (var name in (alpn ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    tls.ApplicationProtocols.Add(name);
                }

                return new SslServerEndpoint(reactor, port, tls, backlog, iface);
            }

            case "systemd":
            {
                var domain = d.Require("domain", -1, "the socket domain (domain=INET or domain=INET6)");
                var family = domain switch
                {
                    "INET" => AddressFamily.InterNetwork,
                    "INET6" => AddressFamily.InterNetworkV6,
                    "UNIX" => throw d.Error("domain=UNIX", "domain=UNIX is not supported yet (only TCP sockets can be adopted)"),
                    _ => throw d.Error($"domain={domain}", $"the domain '{domain}' is not INET or INET6"),
                };
                var name = d.Get("name");
                var hasIndex = d.Get("index") is not null;
                if (name is not null && hasIndex)
                {
                    throw d.Error("name", "give either index= or name=, not both");
                }

                if (name is null && !hasIndex)
                {
                    throw d.Error("index", "the socket's index= (0 for the first passed socket) or name= is missing");
                }

                var index = name is null ? d.Int("index", 0) : -1;
                d.CheckAllUsed(0);
                return new SystemdEndpoint(reactor, family, index, name);
            }

            default:
            {
                if (d.Rest.Length == 0)
                {
                    throw d.Error("proxy", "the endpoint to accept PROXY connections on is missing");
                }

                IStreamServerEndpoint inner;
                try
                {
                    inner = Server(reactor, d.Rest, loggerFactory);
                }
                catch (EndpointSyntaxException e)
                {
                    throw new EndpointSyntaxException($"{e.Message} (inside '{description}')", e);
                }

                var factory = loggerFactory ?? (reactor as ReactorBase)?.Options.LoggerFactory;
                return new ProxyServerEndpoint(inner, reactor, logger: factory?.CreateLogger("Torsion.Endpoints.Proxy"));
            }
        }
    }

    /// <summary>Parses a client endpoint string; nothing connects until <see cref="IStreamClientEndpoint.Connect"/>.</summary>
    /// <param name="reactor">The reactor the endpoint connects with.</param>
    /// <param name="description">e.g. <c>tcp:host=127.0.0.1:port=80</c>.</param>
    /// <param name="resolver">Resolves host names for tcp/tls; null: <see cref="SystemHostResolver"/>.</param>
    /// <exception cref="EndpointSyntaxException">The string is not a valid client endpoint: the message names the bad part and shows the accepted form.</exception>
    public static IStreamClientEndpoint Client(IReactor reactor, string description, IHostResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(description);
        var d = EndpointDescription.Parse(description);
        if (!ClientForms.TryGetValue(d.Type, out var form))
        {
            throw d.Error(d.Type, $"'{d.Type}' is not a client endpoint type (known: {string.Join(", ", ClientForms.Keys)})");
        }

        d.Form = form;
        switch (d.Type)
        {
            case "unix":
            {
                var path = d.Require("path", 0, "the socket path");
                var timeout = d.Seconds("timeout");
                d.CheckAllUsed(1);
                return new UnixClientEndpoint(reactor, path, timeout);
            }

            case "tcp":
            {
                var hostname = TcpPart(reactor, d, resolver);
                d.CheckAllUsed(2);
                return hostname;
            }

            default:
            {
                var hostname = TcpPart(reactor, d, resolver);
                var trustRoots = d.Get("trustRoots");
                var certificate = d.Get("certificate");
                var privateKey = d.Get("privateKey");
                if ((certificate is null) != (privateKey is null))
                {
                    throw d.Error(certificate is null ? "privateKey" : "certificate", "a client certificate needs both certificate= and privateKey=");
                }

                d.CheckAllUsed(2);
                var options = TlsOptions.Client(hostname.Host);
                options.TrustedRootsPemFile = trustRoots;
                if (certificate is not null)
                {
                    options.Certificate = new TlsCertificateFiles(certificate, privateKey!);
                }

                return new TlsClientEndpoint(hostname, options);
            }
        }
    }

    /// <summary>
    /// Connects <paramref name="protocol"/> (an instance already made) through <paramref name="endpoint"/> and fires
    /// with it once connected (Twisted's <c>connectProtocol</c>).
    /// </summary>
    public static Deferred<IProtocol> ConnectProtocol(IStreamClientEndpoint endpoint, IProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(protocol);
        return endpoint.Connect(new SingleProtocolFactory(protocol));
    }

    private static HostnameEndpoint TcpPart(IReactor reactor, EndpointDescription d, IHostResolver? resolver)
    {
        var host = d.Require("host", 0, "the host (host=)");
        var port = d.Port("port", 1);
        var timeout = d.Seconds("timeout");
        var bind = d.Address("bindAddress");
        return new HostnameEndpoint(reactor, host, port, resolver, timeout, bind is null ? null : new IPEndPoint(IPAddress.Parse(bind), 0));
    }

    private static bool TryOctal(string text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = (value * 8) + (c - '0');
        }

        return value <= 0xFFF;
    }

    /// <summary>Hands out one protocol made beforehand.</summary>
    private sealed class SingleProtocolFactory(IProtocol protocol) : IProtocolFactory
    {
        private bool _built;

        public void DoStart()
        {
        }

        public void DoStop()
        {
        }

        public IProtocol? BuildProtocol(EndPoint peer)
        {
            if (_built)
            {
                return null;
            }

            _built = true;
            return protocol;
        }
    }
}
