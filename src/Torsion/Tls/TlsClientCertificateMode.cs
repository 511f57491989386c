namespace Torsion.Tls;

/// <summary>Whether a TLS server asks its clients for a certificate.</summary>
public enum TlsClientCertificateMode
{
    /// <summary>No client certificate is asked for.</summary>
    None = 0,

    /// <summary>A certificate is asked for; a client may send none, but one it sends must verify against the trusted roots.</summary>
    Request = 1,

    /// <summary>A certificate that verifies against the trusted roots is required; the handshake fails without one.</summary>
    Require = 2,
}
