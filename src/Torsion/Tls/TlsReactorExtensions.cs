using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Tls;

/// <summary>TLS servers and clients over TCP: <c>ListenSsl</c> and <c>ConnectSsl</c>, as in Twisted's reactor.</summary>
public static class TlsReactorExtensions
{
    /// <summary>
    /// Listens on <paramref name="port"/> and speaks TLS with each client; the certificate files are loaded now so a
    /// bad file fails here.
    /// </summary>
    /// <exception cref="FileNotFoundException">A certificate or key file does not exist.</exception>
    /// <exception cref="InvalidDataException">A certificate or key file cannot be used.</exception>
    public static IListeningPort ListenSsl(this IReactorTcp reactor, int port, IProtocolFactory factory, TlsOptions options, int backlog = 50, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsServer)
        {
            throw new ArgumentException("ListenSsl needs server options (TlsOptions.Server).", nameof(options));
        }

        options.Load();
        return reactor.ListenTcp(port, new TlsFactory(factory, options), backlog, interfaceAddress);
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> and speaks TLS; the server certificate must be valid
    /// for <see cref="TlsOptions.HostName"/>, or for <paramref name="host"/> when the options name none.
    /// </summary>
    public static IConnector ConnectSsl(this IReactorTcp reactor, string host, int port, ClientFactory factory, TlsOptions options, TimeSpan? timeout = null, IPEndPoint? bindAddress = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(options);
        options.Load();
        return reactor.ConnectTcp(host, port, new TlsClientFactory(factory, options, host), timeout, bindAddress);
    }
}
