using System.Net;
using Torsion.Protocols;

namespace Torsion.Tls;

/// <summary>
/// Wraps any server factory so its protocols speak TLS over whatever stream transport accepts them (TCP, Unix,
/// in-memory). With null options connections start in plaintext and offer <see cref="ITlsTransport.StartTls"/>.
/// </summary>
public sealed class TlsFactory : IProtocolFactory
{
    /// <summary>Wraps <paramref name="wrappedFactory"/>; TLS from the first byte with <paramref name="options"/>, or plaintext with STARTTLS if null.</summary>
    public TlsFactory(IProtocolFactory wrappedFactory, TlsOptions? options)
    {
        ArgumentNullException.ThrowIfNull(wrappedFactory);
        WrappedFactory = wrappedFactory;
        Options = options;
    }

    /// <summary>The factory that builds the application protocols.</summary>
    public IProtocolFactory WrappedFactory { get; }

    /// <summary>The TLS options every connection starts with, or null (plaintext until STARTTLS).</summary>
    public TlsOptions? Options { get; }

    /// <inheritdoc />
    public void DoStart() => WrappedFactory.DoStart();

    /// <inheritdoc />
    public void DoStop() => WrappedFactory.DoStop();

    /// <inheritdoc />
    public IProtocol? BuildProtocol(EndPoint peer)
    {
        var application = WrappedFactory.BuildProtocol(peer);
        return application is null ? null : new TlsMemoryBioProtocol(application, Options, hostName: null);
    }
}
