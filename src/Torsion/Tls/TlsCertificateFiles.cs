namespace Torsion.Tls;

/// <summary>A certificate chain and its private key, each a PEM file (RSA or ECDSA; the key unencrypted).</summary>
/// <param name="ChainPemFile">The certificate first, then the intermediates that lead to a trusted root.</param>
/// <param name="PrivateKeyPemFile">The private key of the certificate (PKCS#8, PKCS#1 or SEC1 PEM).</param>
public sealed record TlsCertificateFiles(string ChainPemFile, string PrivateKeyPemFile);
