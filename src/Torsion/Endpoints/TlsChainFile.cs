using System.Text;

namespace Torsion.Endpoints;

/// <summary>
/// Makes the certificate chain file for <c>ssl:...:extraCertChain=</c>: TLS loads one chain file, so the certificates
/// of certKey and of extraCertChain are copied (certificates only, never a key) into one file in the temp folder.
/// </summary>
internal static class TlsChainFile
{
    public static string Combine(string certificateFile, string extraChainFile)
    {
        var text = new StringBuilder();
        foreach (var file in new[] { certificateFile, extraChainFile })
        {
            string pem;
            try
            {
                pem = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EndpointSyntaxException($"Cannot read the certificate file '{file}' named in the ssl endpoint: {e.Message}", e);
            }

            var found = false;
            var at = 0;
            while ((at = pem.IndexOf("-----BEGIN CERTIFICATE-----", at, StringComparison.Ordinal)) >= 0)
            {
                var end = pem.IndexOf("-----END CERTIFICATE-----", at, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                end += "-----END CERTIFICATE-----".Length;
                text.Append(pem, at, end - at).Append('\n');
                at = end;
                found = true;
            }

            if (!found)
            {
                throw new EndpointSyntaxException($"The file '{file}' named in the ssl endpoint holds no PEM certificate.");
            }
        }

        var path = Path.Combine(Path.GetTempPath(), $"torsion-chain-{Environment.ProcessId}-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, text.ToString());
        return path;
    }
}
