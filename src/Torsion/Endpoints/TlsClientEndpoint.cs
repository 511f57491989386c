using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Tls;

namespace Torsion.Endpoints;

/// <summary>
/// Speaks TLS over any client endpoint (Twisted's <c>wrapClientTLS</c>; <c>tls:example.com:443</c>). The Deferred fires
/// with the application's protocol once the underlying connection is made; a failed handshake (unknown issuer, wrong
/// name...) then reaches that protocol's ConnectionLost.
/// </summary>
public sealed class TlsClientEndpoint : IStreamClientEndpoint
{
    /// <summary>Wraps <paramref name="inner"/>; the server certificate must match <paramref name="options"/>' host name.</summary>
    public TlsClientEndpoint(IStreamClientEndpoint inner, TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsServer)
        {
            throw new ArgumentException("A TLS client endpoint needs client options (TlsOptions.Client).", nameof(options));
        }

        Inner = inner;
        Options = options;
    }

    /// <summary>The endpoint under TLS.</summary>
    public IStreamClientEndpoint Inner { get; }

    /// <summary>The TLS client options.</summary>
    public TlsOptions Options { get; }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        try
        {
            Options.Load();
        }
        catch (Exception e)
        {
            return Deferred.Fail<IProtocol>(e);
        }

        var capture = new CapturingFactory(factory);
        return Inner.Connect(new TlsFactory(capture, Options))
            .AddCallback(_ => capture.Application!);
    }

    /// <summary>Remembers the application protocol built under the TLS layer.</summary>
    private sealed class CapturingFactory(IProtocolFactory factory) : IProtocolFactory
    {
        public IProtocol? Application { get; private set; }

        public void DoStart() => factory.DoStart();

        public void DoStop() => factory.DoStop();

        public IProtocol? BuildProtocol(System.Net.EndPoint peer) => Application = factory.BuildProtocol(peer);
    }

    /// <inheritdoc />
    public override string ToString() => $"tls over {Inner}";
}
