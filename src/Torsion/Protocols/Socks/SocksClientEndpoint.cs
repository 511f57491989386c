using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Reactor;

namespace Torsion.Protocols.Socks;

/// <summary>
/// Connects to <see cref="Host"/>:<see cref="Port"/> through a SOCKS proxy reached with another endpoint (Twisted's
/// txsocksx / SOCKS5ClientEndpoint). <see cref="Connect"/> fires with the caller's protocol once the proxy has
/// answered "granted"/"succeeded"; refusals fail it with <see cref="SocksReplyException"/> naming the reply code,
/// a refused login with <see cref="SocksAuthenticationException"/>.
/// </summary>
public sealed class SocksClientEndpoint : IStreamClientEndpoint
{
    /// <summary>Creates the endpoint.</summary>
    /// <param name="proxy">How to reach the proxy, e.g. a <see cref="TcpClientEndpoint"/>.</param>
    /// <param name="host">The destination: an IP literal, or a host name the proxy resolves (SOCKS4a, SOCKS5).</param>
    /// <param name="port">The destination port.</param>
    /// <param name="version">The dialect; SOCKS4 needs an IPv4 literal.</param>
    /// <param name="username">SOCKS5: log in with RFC 1929 (with <paramref name="password"/>). SOCKS4/4a: sent as USERID.</param>
    /// <param name="password">SOCKS5 password; requires <paramref name="username"/>.</param>
    /// <exception cref="ArgumentException">SOCKS4 with a host name or IPv6 address, SOCKS4a with IPv6, or a password with SOCKS4.</exception>
    public SocksClientEndpoint(IStreamClientEndpoint proxy, string host, int port, SocksVersion version = SocksVersion.Socks5, string? username = null, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentException.ThrowIfNullOrEmpty(host);
        var destination = SocksAddress.Parse(host, port);
        if (version != SocksVersion.Socks5)
        {
            if (destination.Address is { AddressFamily: not AddressFamily.InterNetwork })
            {
                throw new ArgumentException($"SOCKS4 carries IPv4 destinations only, not {host}; use SOCKS5.", nameof(host));
            }

            if (version == SocksVersion.Socks4 && destination.HostName is not null)
            {
                throw new ArgumentException($"SOCKS4 needs an IPv4 address, not the host name '{host}': resolve it first, or use SOCKS4a or SOCKS5.", nameof(host));
            }

            if (password is not null)
            {
                throw new ArgumentException("SOCKS4 has no passwords (the username is sent as USERID); use SOCKS5.", nameof(password));
            }
        }
        else if (password is not null && username is null)
        {
            throw new ArgumentException("A SOCKS5 password needs a username.", nameof(password));
        }

        if (version == SocksVersion.Socks5 && username is not null)
        {
            _ = SocksCodec.FormatUsernamePassword(username, password ?? string.Empty); // checks the lengths now
        }

        Proxy = proxy;
        Destination = destination;
        Version = version;
        Username = username;
        Password = password;
    }

    /// <summary>How the proxy is reached.</summary>
    public IStreamClientEndpoint Proxy { get; }

    /// <summary>The destination as sent to the proxy.</summary>
    public SocksAddress Destination { get; }

    /// <summary>The destination host as given.</summary>
    public string Host => Destination.HostName ?? Destination.Address!.ToString();

    /// <summary>The destination port.</summary>
    public int Port => Destination.Port;

    /// <summary>The dialect.</summary>
    public SocksVersion Version { get; }

    /// <summary>The SOCKS5 username (or SOCKS4 USERID), or null.</summary>
    public string? Username { get; }

    /// <summary>The SOCKS5 password, or null.</summary>
    public string? Password { get; }

    /// <summary>
    /// Parses <c>socks5:PROXYHOST:PROXYPORT:HOST:PORT[:user=U][:password=P]</c> (also <c>socks4:</c>, <c>socks4a:</c>);
    /// the proxy is reached over TCP. IPv6 literals go in brackets: <c>socks5:[::1]:1080:[2001:db8::1]:443</c>.
    /// </summary>
    /// <exception cref="FormatException">The string is malformed; the message names the bad part.</exception>
    public static SocksClientEndpoint Parse(IReactor reactor, string description, IHostResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(description);
        var parts = SplitDescription(description);
        var version = parts[0] switch
        {
            "socks5" => SocksVersion.Socks5,
            "socks4a" => SocksVersion.Socks4a,
            "socks4" => SocksVersion.Socks4,
            _ => throw new FormatException($"'{description}': '{parts[0]}' is not socks4, socks4a or socks5."),
        };
        var positional = parts.Skip(1).Where(p => !p.Contains('=', StringComparison.Ordinal)).ToList();
        var named = parts.Skip(1).Where(p => p.Contains('=', StringComparison.Ordinal))
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (positional.Count != 4)
        {
            throw new FormatException($"'{description}': expected {parts[0]}:PROXYHOST:PROXYPORT:HOST:PORT[:user=U][:password=P].");
        }

        foreach (var key in named.Keys.Where(k => k is not ("user" or "password")))
        {
            throw new FormatException($"'{description}': '{key}=' is not an option (user=, password=).");
        }

        var proxyPort = ParsePort(description, positional[1]);
        var port = ParsePort(description, positional[3]);
        var proxy = new HostnameEndpoint(reactor, positional[0], proxyPort, resolver);
        try
        {
            return new SocksClientEndpoint(proxy, positional[2], port, version, named.GetValueOrDefault("user"), named.GetValueOrDefault("password"));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{description}': {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        SocksClientProtocol? handshake = null;
        Deferred<IProtocol>? connecting = null;
        var result = new Deferred<IProtocol>(_ =>
        {
            connecting?.Cancel();
            handshake?.Abort();
        });
        var handshakeFactory = new HandshakeFactory(factory, () => handshake = new SocksClientProtocol(this, factory, result));
        try
        {
            connecting = Proxy.Connect(handshakeFactory);
        }
        catch (Exception e)
        {
            connecting = Deferred.Fail<IProtocol>(e);
        }

        connecting.AddBoth(outcome =>
        {
            if (!outcome.Success && !result.Called)
            {
                result.Errback(outcome.Error!);
            }

            return Unit.Value;
        });
        return result;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Version.ToString().ToLowerInvariant()}:{Proxy}->{Destination}";

    private static int ParsePort(string description, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException($"'{description}': '{text}' is not a port (0 to 65535).");

    private static List<string> SplitDescription(string description)
    {
        var parts = new List<string>();
        var i = 0;
        while (i <= description.Length)
        {
            if (i < description.Length && description[i] == '[')
            {
                var close = description.IndexOf(']', i);
                if (close < 0)
                {
                    throw new FormatException($"'{description}': '[' without ']'.");
                }

                parts.Add(description[(i + 1)..close]);
                i = close + 1;
                if (i < description.Length && description[i] != ':')
                {
                    throw new FormatException($"'{description}': expected ':' after ']'.");
                }

                i++;
                continue;
            }

            var colon = description.IndexOf(':', i);
            var end = colon < 0 ? description.Length : colon;
            parts.Add(description[i..end]);
            i = end + 1;
        }

        return parts;
    }

    /// <summary>Builds the handshake protocol; the caller's factory is started and stopped with it.</summary>
    private sealed class HandshakeFactory(IProtocolFactory inner, Func<IProtocol> build) : Factory
    {
        public override IProtocol? BuildProtocol(EndPoint peer) => build();

        protected override void StartFactory() => inner.DoStart();

        protected override void StopFactory() => inner.DoStop();
    }
}
