using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;

namespace Torsion.Endpoints;

/// <summary>Listens on a TCP port and speaks TLS with each client (<c>ssl:8443:certKey=cert.pem:privateKey=key.pem</c>).</summary>
public sealed class SslServerEndpoint : IStreamServerEndpoint
{
    /// <summary>An endpoint on <paramref name="port"/> with server <paramref name="options"/> (see <c>TlsOptions.Server</c>).</summary>
    public SslServerEndpoint(IReactorTcp reactor, int port, TlsOptions options, int backlog = 50, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsServer)
        {
            throw new ArgumentException("An SSL server endpoint needs server options (TlsOptions.Server).", nameof(options));
        }

        Tcp = new TcpServerEndpoint(reactor, port, backlog, interfaceAddress);
        Options = options;
    }

    /// <summary>The TCP endpoint under TLS.</summary>
    public TcpServerEndpoint Tcp { get; }

    /// <summary>The TLS server options.</summary>
    public TlsOptions Options { get; }

    /// <inheritdoc />
    public Deferred<IListeningPort> Listen(IProtocolFactory factory) => ListenWrapped(factory, tls => tls);

    /// <summary>
    /// Listens with <paramref name="outer"/> around the TLS factory: the PROXY protocol header comes before the TLS
    /// handshake on the wire, so <c>proxy:ssl:...</c> wraps outside TLS.
    /// </summary>
    internal Deferred<IListeningPort> ListenWrapped(IProtocolFactory factory, Func<IProtocolFactory, IProtocolFactory> outer)
    {
        ArgumentNullException.ThrowIfNull(factory);
        try
        {
            // Loaded now so that a missing or bad file fails the listen, not the first handshake.
            Options.Load();
        }
        catch (Exception e)
        {
            return Deferred.Fail<IListeningPort>(e);
        }

        return Tcp.Listen(outer(new TlsFactory(factory, Options)));
    }

    /// <inheritdoc />
    public override string ToString() => "ssl:" + Tcp.ToString()["tcp:".Length..];
}
