using Torsion.Transports;

namespace Torsion.Tls;

/// <summary>
/// A TLS connection failed: the handshake (certificate verification, no common protocol or version, an alert
/// from the peer) or a later record. The message names the reason (expired, hostname mismatch, unknown issuer...).
/// </summary>
public sealed class TlsException : ConnectionLostException
{
    /// <summary>Creates the exception with the default message.</summary>
    public TlsException() : base("The TLS connection failed.") { }

    /// <summary>Creates the exception with a message.</summary>
    public TlsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TlsException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a message and the certificate verification result.</summary>
    internal TlsException(string message, long verifyResult) : base(message) => VerifyResult = verifyResult;

    /// <summary>OpenSSL's X509_V_ code when certificate verification failed (10: expired, 62: hostname mismatch...), else 0.</summary>
    public long VerifyResult { get; }
}
