using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Tls;

/// <summary>
/// Wraps a client factory so its protocol speaks TLS: the server's certificate is verified against
/// <see cref="HostName"/> unless the options name another. Null options: plaintext with STARTTLS on demand.
/// Connecting events (<see cref="ClientFactory.ClientConnectionFailed"/>...) pass through to the wrapped factory.
/// </summary>
public sealed class TlsClientFactory : ClientFactory
{
    /// <summary>Wraps <paramref name="wrappedFactory"/>.</summary>
    /// <param name="wrappedFactory">Builds the application protocol.</param>
    /// <param name="options">Client TLS options, or null for plaintext until STARTTLS.</param>
    /// <param name="hostName">The name (or IP literal) the server certificate must match when the options set none.</param>
    public TlsClientFactory(ClientFactory wrappedFactory, TlsOptions? options, string? hostName)
    {
        ArgumentNullException.ThrowIfNull(wrappedFactory);
        if (options is { IsServer: true })
        {
            throw new ArgumentException("TlsClientFactory needs client options (TlsOptions.Client), not server options.", nameof(options));
        }

        WrappedFactory = wrappedFactory;
        Options = options;
        HostName = hostName;
    }

    /// <summary>The factory that builds the application protocol.</summary>
    public ClientFactory WrappedFactory { get; }

    /// <summary>The TLS options, or null.</summary>
    public TlsOptions? Options { get; }

    /// <summary>The name verified when <see cref="TlsOptions.HostName"/> is null.</summary>
    public string? HostName { get; }

    /// <inheritdoc />
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        var application = WrappedFactory.BuildProtocol(peer);
        return application is null ? null : new TlsMemoryBioProtocol(application, Options, HostName);
    }

    /// <inheritdoc />
    public override void StartedConnecting(IConnector connector) => WrappedFactory.StartedConnecting(connector);

    /// <inheritdoc />
    public override void ClientConnectionFailed(IConnector connector, Exception reason) => WrappedFactory.ClientConnectionFailed(connector, reason);

    /// <inheritdoc />
    public override void ClientConnectionLost(IConnector connector, Exception reason) => WrappedFactory.ClientConnectionLost(connector, reason);

    /// <inheritdoc />
    protected override void StartFactory() => WrappedFactory.DoStart();

    /// <inheritdoc />
    protected override void StopFactory() => WrappedFactory.DoStop();
}
