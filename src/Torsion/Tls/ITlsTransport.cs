using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Torsion.Tls;

/// <summary>
/// A transport that can speak TLS: connections made through <see cref="TlsFactory"/>, <see cref="TlsClientFactory"/>,
/// <c>ListenSsl</c>/<c>ConnectSsl</c>. It starts in TLS or switches to it on demand with <see cref="StartTls"/>.
/// </summary>
public interface ITlsTransport
{
    /// <summary>
    /// Switches the connection to TLS now (STARTTLS): later writes are encrypted, later bytes decrypted. Bytes written
    /// before the call go out in the clear first. A protocol that already received bytes past the switch point (the
    /// peer's ClientHello pipelined after its STARTTLS line) passes them as <paramref name="alreadyReceived"/>: they are
    /// the first bytes fed to TLS. A client side sends its ClientHello at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">TLS is already started, or the connection is closing.</exception>
    void StartTls(TlsOptions options, ReadOnlySpan<byte> alreadyReceived = default);

    /// <summary>True once <see cref="StartTls"/> was called (or the connection began in TLS).</summary>
    bool IsTlsStarted { get; }

    /// <summary>True once the handshake completed.</summary>
    bool IsHandshakeComplete { get; }

    /// <summary>The peer's certificate once the handshake completed (null if it sent none).</summary>
    X509Certificate2? PeerCertificate { get; }

    /// <summary>The ALPN protocol both sides agreed on (RFC 7301), or null.</summary>
    string? NegotiatedApplicationProtocol { get; }

    /// <summary>The TLS version in use (<see cref="SslProtocols.Tls12"/>, <see cref="SslProtocols.Tls13"/>), or None before the handshake.</summary>
    SslProtocols NegotiatedProtocolVersion { get; }

    /// <summary>The server name the client sent (SNI, RFC 6066) as the server saw it; the name asked for on a client.</summary>
    string? ServerName { get; }
}
