using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Torsion.Cli.Tests;

/// <summary>`torsion web --listen ssl:...` as a real process, fetched by curl (installed by test.sh) trusting a generated CA.</summary>
public sealed class WebHttpsProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("torsion-web-https-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Writes ca.pem, and cert.pem/key.pem for 127.0.0.1 signed by that CA, into <paramref name="folder"/>.</summary>
    private static void WriteCertificates(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Torsion CLI Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(Path.Combine(folder, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    private static async Task<(int Code, byte[] Body, string Stderr)> CurlAsync(params string[] args)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--max-time", "20", .. args])
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var body = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(body);
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await copy.WaitAsync(TimeSpan.FromSeconds(10));
        return (process.ExitCode, body.ToArray(), await stderr.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Web_over_ssl_serves_a_file_byte_identical_to_curl_trusting_the_ca()
    {
        var certs = Directory.CreateDirectory(Path.Combine(_root, "certs")).FullName;
        var site = Directory.CreateDirectory(Path.Combine(_root, "site")).FullName;
        WriteCertificates(certs);
        var content = RandomNumberGenerator.GetBytes(300 * 1024 + 5);
        File.WriteAllBytes(Path.Combine(site, "file.bin"), content);
        var listen = $"ssl:0:certKey={Path.Combine(certs, "cert.pem")}:privateKey={Path.Combine(certs, "key.pem")}:interface=127.0.0.1";
        using var torsion = TorsionProcess.Start("web", "--listen", listen, "--path", site);
        var port = await torsion.WaitForListeningPortAsync();

        var (code, body, stderr) = await CurlAsync("-sS", "--cacert", Path.Combine(certs, "ca.pem"), $"https://127.0.0.1:{port}/file.bin");
        Assert.True(code == 0, $"curl exited {code}: {stderr}");
        Assert.Equal(content.Length, body.Length);
        Assert.True(content.AsSpan().SequenceEqual(body));

        var (untrusted, _, _) = await CurlAsync("-sS", "-o", "/dev/null", $"https://127.0.0.1:{port}/file.bin");
        Assert.Equal(60, untrusted); // CURLE_PEER_FAILED_VERIFICATION: without --cacert the certificate is not trusted

        torsion.Terminate();
        Assert.Equal(0, await torsion.WaitForExitAsync());
    }
}
