using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace Torsion.Tls;

/// <summary>
/// How one side of TLS connections behaves: certificates (PEM files), trust roots, ALPN, SNI, client certificates and
/// versions (TLS 1.2 and 1.3 by default). The files are loaded when first used (<c>ListenSsl</c> loads them at once so a
/// bad file fails there) and again on <see cref="Reload"/>; property changes take effect on the next load.
/// One <see cref="TlsOptions"/> is shared by all connections of a port and is safe to reload from any thread.
/// </summary>
public sealed class TlsOptions
{
    private readonly object _gate = new();
    private TlsContext? _context;
    private long _generation;

    private TlsOptions(bool isServer) => IsServer = isServer;

    /// <summary>Options for a server presenting the certificate chain and key in these PEM files.</summary>
    public static TlsOptions Server(string certificateChainPemFile, string privateKeyPemFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificateChainPemFile);
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPemFile);
        return new TlsOptions(isServer: true) { Certificate = new TlsCertificateFiles(certificateChainPemFile, privateKeyPemFile) };
    }

    /// <summary>
    /// Options for a client that verifies the server's chain against the system's roots and its name against
    /// <paramref name="hostName"/> (a DNS name or an IP literal; null: the host given to <c>ConnectSsl</c>).
    /// </summary>
    public static TlsOptions Client(string? hostName = null) => new(isServer: false) { HostName = hostName };

    /// <summary>True for the server side of connections, false for the client side.</summary>
    public bool IsServer { get; }

    /// <summary>The server's default certificate; on a client, the certificate it presents when asked (optional).</summary>
    public TlsCertificateFiles? Certificate { get; set; }

    /// <summary>
    /// Server: certificates chosen by the name the client sends (SNI). Keys are host names, compared without case;
    /// "*.example.com" matches one label. A name not found gets <see cref="Certificate"/>.
    /// </summary>
    public IDictionary<string, TlsCertificateFiles> ServerNameCertificates { get; } = new Dictionary<string, TlsCertificateFiles>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// ALPN protocol names (RFC 7301) in order of preference, e.g. "h2", "http/1.1". A server picks the first of its
    /// own list that the client offers and refuses a client that offers only others (no_application_protocol).
    /// </summary>
    public IList<string> ApplicationProtocols { get; } = new List<string>();

    /// <summary>Server: whether clients are asked for a certificate (verified against <see cref="TrustedRootsPemFile"/>).</summary>
    public TlsClientCertificateMode ClientCertificateMode { get; set; }

    /// <summary>A PEM file of trusted root certificates; null: the system's store (/etc/ssl/certs).</summary>
    public string? TrustedRootsPemFile { get; set; }

    /// <summary>Client: the name (or IP literal) the server certificate must be valid for.</summary>
    public string? HostName { get; set; }

    /// <summary>Client: the name sent as SNI; null: <see cref="HostName"/> unless it is an IP literal (RFC 6066 sends no IPs).</summary>
    public string? ServerName { get; set; }

    /// <summary>Client: verify the server's chain and name (default true). Turning it off is for tests only.</summary>
    public bool VerifyPeer { get; set; } = true;

    /// <summary>The versions allowed; default TLS 1.2 and TLS 1.3.</summary>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>How many times the files were loaded (1 after the first load); goes up with each <see cref="Reload"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Loads the certificate and key files again (and the current properties). New handshakes use them; connections
    /// already up go on with what they had. If a file is bad, this throws and the previous certificates stay in use.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file named in the options does not exist.</exception>
    /// <exception cref="InvalidDataException">A file could not be used (the message names it and OpenSSL's reason).</exception>
    public void Reload()
    {
        lock (_gate)
        {
            var fresh = TlsContext.Build(this);
            var old = _context;
            _context = fresh;
            Interlocked.Increment(ref _generation);
            old?.Release();
        }
    }

    /// <summary>
    /// Reloads the files whenever the process receives SIGHUP (Linux, macOS), as servers conventionally do, also when
    /// the process was started with SIGHUP ignored (nohup).
    /// Dispose the result to stop. A failed reload is passed to <paramref name="onError"/> and the old files stay in use.
    /// </summary>
    public IDisposable ReloadOnHangup(Action<Exception>? onError = null)
    {
        HangupSignal.StopIgnoring();
        return PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            try
            {
                Reload();
            }
            catch (Exception e)
            {
                onError?.Invoke(e);
            }
        });
    }

    /// <summary>Loads the files now if they are not loaded yet, so that a bad file fails here rather than at the first handshake.</summary>
    public void Load()
    {
        lock (_gate)
        {
            if (_context is null)
            {
                _context = TlsContext.Build(this);
                Interlocked.Increment(ref _generation);
            }
        }
    }

    /// <summary>The current context with a reference taken for one connection; the caller releases it.</summary>
    internal TlsContext AcquireContext()
    {
        while (true)
        {
            var context = Volatile.Read(ref _context);
            if (context is null)
            {
                Load();
                continue;
            }

            if (context.TryAcquire())
            {
                return context;
            }
        }
    }

    /// <summary>Builds the ALPN wire format: each name as one length byte and its ASCII bytes.</summary>
    internal byte[] AlpnWireFormat()
    {
        var total = 0;
        foreach (var name in ApplicationProtocols)
        {
            if (string.IsNullOrEmpty(name) || name.Length > 255 || name.Any(c => c > 0x7e || c < 0x21))
            {
                throw new ArgumentException($"ALPN protocol name '{name}' is not 1 to 255 printable ASCII characters.", nameof(ApplicationProtocols));
            }

            total += 1 + name.Length;
        }

        var wire = GC.AllocateArray<byte>(total, pinned: true);
        var at = 0;
        foreach (var name in ApplicationProtocols)
        {
            wire[at++] = (byte)name.Length;
            foreach (var c in name)
            {
                wire[at++] = (byte)c;
            }
        }

        return wire;
    }
}
