namespace Torsion.Tls;

/// <summary>Implemented by a protocol that wants to hear when the TLS handshake of its connection completes.</summary>
public interface ITlsHandshakeListener
{
    /// <summary>
    /// The handshake completed: <see cref="ITlsTransport.PeerCertificate"/>, <see cref="ITlsTransport.NegotiatedApplicationProtocol"/>
    /// and <see cref="ITlsTransport.NegotiatedProtocolVersion"/> are known now. Writes made before this were buffered and are sent now.
    /// </summary>
    void HandshakeCompleted();
}
