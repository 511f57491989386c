using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Torsion.Tls;

namespace Torsion.Tests.Tls;

/// <summary>
/// Certificates made for the tests with System.Security.Cryptography and written as PEM to a temp dir: a CA, server
/// certificates it signed (RSA, ECDSA, SNI names, expired, wrong name), a self-signed one, client certificates.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Lazy<TestCertificates> Instance = new(() => new TestCertificates());

    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _otherCa;

    private TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "torsion-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var now = DateTimeOffset.UtcNow;
        _ca = MakeCa("CN=Torsion Test CA", now);
        _otherCa = MakeCa("CN=Some Other CA", now);
        CaFile = WriteCert("ca.pem", _ca);
        OtherCaFile = WriteCert("other-ca.pem", _otherCa);
        ServerRsa = Issue("server-rsa", "CN=localhost", RSA.Create(2048), _ca, now.AddDays(-1), now.AddDays(30), ["localhost"], [IPAddress.Loopback], client: false);
        ServerEcdsa = Issue("server-ecdsa", "CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-1), now.AddDays(30), ["localhost"], [IPAddress.Loopback], client: false);
        Expired = Issue("expired", "CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-30), now.AddDays(-2), ["localhost"], [IPAddress.Loopback], client: false);
        WrongName = Issue("wrong-name", "CN=other.example", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-1), now.AddDays(30), ["other.example"], [IPAddress.Parse("10.9.8.7")], client: false);
        SniA = Issue("sni-a", "CN=a.test", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-1), now.AddDays(30), ["a.test"], [], client: false);
        SniB = Issue("sni-b", "CN=b.test", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-1), now.AddDays(30), ["b.test"], [], client: false);
        Client = Issue("client", "CN=alice", ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, now.AddDays(-1), now.AddDays(30), [], [], client: true);
        ClientOfOtherCa = Issue("client-other", "CN=mallory", ECDsa.Create(ECCurve.NamedCurves.nistP256), _otherCa, now.AddDays(-1), now.AddDays(30), [], [], client: true);

        using var selfKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var selfRequest = new CertificateRequest("CN=localhost", selfKey, HashAlgorithmName.SHA256);
        selfRequest.CertificateExtensions.Add(San(["localhost"], [IPAddress.Loopback]));
        using var self = selfRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        SelfSigned = new TlsCertificateFiles(WriteCert("self-signed.pem", self), WriteText("self-signed.key", selfKey.ExportPkcs8PrivateKeyPem()));
    }

    public static TestCertificates Shared => Instance.Value;

    public string Directory { get; }

    public string CaFile { get; }

    public string OtherCaFile { get; }

    public TlsCertificateFiles ServerRsa { get; }

    public TlsCertificateFiles ServerEcdsa { get; }

    public TlsCertificateFiles Expired { get; }

    public TlsCertificateFiles WrongName { get; }

    public TlsCertificateFiles SelfSigned { get; }

    public TlsCertificateFiles SniA { get; }

    public TlsCertificateFiles SniB { get; }

    public TlsCertificateFiles Client { get; }

    public TlsCertificateFiles ClientOfOtherCa { get; }

    /// <summary>A fresh server certificate (CN=<paramref name="commonName"/>, localhost and 127.0.0.1) in new files.</summary>
    public TlsCertificateFiles NewServer(string fileStem, string commonName) =>
        Issue(fileStem, "CN=" + commonName, ECDsa.Create(ECCurve.NamedCurves.nistP256), _ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ["localhost"], [IPAddress.Loopback], client: false);

    /// <summary>Copies a certificate's files over another's (as an operator replacing files before a reload).</summary>
    public static void CopyOver(TlsCertificateFiles from, TlsCertificateFiles to)
    {
        File.Copy(from.ChainPemFile, to.ChainPemFile, overwrite: true);
        File.Copy(from.PrivateKeyPemFile, to.PrivateKeyPemFile, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 MakeCa(string subject, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-365), now.AddDays(365));
    }

    private TlsCertificateFiles Issue(string stem, string subject, AsymmetricAlgorithm key, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter, string[] names, IPAddress[] addresses, bool client)
    {
        using (key)
        {
            var request = key is RSA rsa
                ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(key is RSA ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
            if (names.Length + addresses.Length > 0)
            {
                request.CertificateExtensions.Add(San(names, addresses));
            }

            using var issuerKey = issuer.GetRSAPrivateKey()!;
            using var signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1), notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
            var certificate = signed;
            var keyPem = key is RSA r ? r.ExportPkcs8PrivateKeyPem() : ((ECDsa)key).ExportPkcs8PrivateKeyPem();
            return new TlsCertificateFiles(WriteCert(stem + ".pem", certificate), WriteText(stem + ".key", keyPem));
        }
    }

    private static X509Extension San(string[] names, IPAddress[] addresses)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        return san.Build();
    }

    private string WriteCert(string name, X509Certificate2 certificate) => WriteText(name, certificate.ExportCertificatePem() + "\n");

    private string WriteText(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
