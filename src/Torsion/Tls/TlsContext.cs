using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using static Torsion.Tls.OpenSsl;

namespace Torsion.Tls;

/// <summary>
/// The OpenSSL contexts built from one load of a <see cref="TlsOptions"/>: the default SSL_CTX and one per SNI name,
/// all configured alike except for the certificate. Reference counted: the options hold one reference, each
/// connection one, so a reload frees the old contexts only when the last connection that uses them is gone.
/// </summary>
internal sealed unsafe class TlsContext
{
    private static readonly byte[] SessionIdContext = "Torsion"u8.ToArray();

    private readonly Dictionary<string, IntPtr> _byName = new(StringComparer.OrdinalIgnoreCase);
    private int _references = 1;

    private TlsContext(TlsOptions options)
    {
        IsServer = options.IsServer;
        AlpnNames = [.. options.ApplicationProtocols];
        AlpnWire = options.AlpnWireFormat();
    }

    public bool IsServer { get; }

    public IntPtr Default { get; private set; }

    /// <summary>The ALPN list in wire format, pinned (the select callback reads it).</summary>
    public byte[] AlpnWire { get; }

    public string[] AlpnNames { get; }

    public static TlsContext Build(TlsOptions options)
    {
        var context = new TlsContext(options);
        try
        {
            context.Default = NewContext(options, options.Certificate, context);
            if (options.IsServer)
            {
                foreach (var (name, files) in options.ServerNameCertificates)
                {
                    context._byName[name] = NewContext(options, files, context);
                }
            }

            return context;
        }
        catch
        {
            context.Free();
            throw;
        }
    }

    public bool TryAcquire()
    {
        while (true)
        {
            var n = Volatile.Read(ref _references);
            if (n == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Free();
        }
    }

    /// <summary>The context for an SNI name: exact match, then "*.rest-of-name", else 0.</summary>
    public IntPtr FindByName(string name)
    {
        if (_byName.Count == 0)
        {
            return 0;
        }

        if (_byName.TryGetValue(name, out var ctx))
        {
            return ctx;
        }

        var dot = name.IndexOf('.');
        return dot > 0 && _byName.TryGetValue(string.Concat("*", name.AsSpan(dot)), out ctx) ? ctx : 0;
    }

    /// <summary>The configured ALPN name equal to these bytes (no allocation), or a new string for an unexpected one.</summary>
    public string AlpnName(ReadOnlySpan<byte> selected)
    {
        foreach (var name in AlpnNames)
        {
            if (name.Length == selected.Length)
            {
                var same = true;
                for (var i = 0; i < selected.Length && same; i++)
                {
                    same = name[i] == selected[i];
                }

                if (same)
                {
                    return name;
                }
            }
        }

        return System.Text.Encoding.ASCII.GetString(selected);
    }

    private void Free()
    {
        if (Default != 0)
        {
            SSL_CTX_free(Default);
            Default = 0;
        }

        foreach (var ctx in _byName.Values)
        {
            SSL_CTX_free(ctx);
        }

        _byName.Clear();
    }

    private static IntPtr NewContext(TlsOptions options, TlsCertificateFiles? certificate, TlsContext owner)
    {
        ERR_clear_error();
        var ctx = SSL_CTX_new(TLS_method());
        if (ctx == 0)
        {
            throw new InvalidOperationException($"OpenSSL could not create a TLS context: {DrainErrors()}.");
        }

        try
        {
            Configure(ctx, options, certificate, owner);
            return ctx;
        }
        catch
        {
            SSL_CTX_free(ctx);
            throw;
        }
    }

    private static void Configure(IntPtr ctx, TlsOptions options, TlsCertificateFiles? certificate, TlsContext owner)
    {
        var (min, max) = VersionRange(options.EnabledProtocols);
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, min, 0);
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, max, 0);
        SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);

        if (certificate is not null)
        {
            RequireFile(certificate.ChainPemFile, "certificate chain");
            RequireFile(certificate.PrivateKeyPemFile, "private key");
            if (SSL_CTX_use_certificate_chain_file(ctx, certificate.ChainPemFile) != 1)
            {
                throw new InvalidDataException($"Cannot load the TLS certificate chain from '{certificate.ChainPemFile}': {DrainErrors()}.");
            }

            if (SSL_CTX_use_PrivateKey_file(ctx, certificate.PrivateKeyPemFile, SSL_FILETYPE_PEM) != 1)
            {
                throw new InvalidDataException($"Cannot load the TLS private key from '{certificate.PrivateKeyPemFile}' (it must be an unencrypted PEM key): {DrainErrors()}.");
            }

            if (SSL_CTX_check_private_key(ctx) != 1)
            {
                throw new InvalidDataException($"The private key in '{certificate.PrivateKeyPemFile}' does not match the certificate in '{certificate.ChainPemFile}': {DrainErrors()}.");
            }
        }
        else if (options.IsServer)
        {
            throw new InvalidOperationException("TLS server options need a certificate (TlsOptions.Certificate).");
        }

        var verifying = options.IsServer ? options.ClientCertificateMode != TlsClientCertificateMode.None : options.VerifyPeer;
        if (verifying)
        {
            if (options.TrustedRootsPemFile is { } roots)
            {
                RequireFile(roots, "trusted roots");
                if (SSL_CTX_load_verify_locations(ctx, roots, null) != 1)
                {
                    throw new InvalidDataException($"Cannot load the trusted root certificates from '{roots}': {DrainErrors()}.");
                }

                if (options.IsServer)
                {
                    var names = SSL_load_client_CA_file(roots);
                    if (names != 0)
                    {
                        SSL_CTX_set_client_CA_list(ctx, names);
                    }
                }
            }
            else if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            {
                throw new InvalidOperationException($"Cannot load the system's trusted root certificates: {DrainErrors()}.");
            }
        }

        var mode = !verifying ? SSL_VERIFY_NONE
            : options.IsServer && options.ClientCertificateMode == TlsClientCertificateMode.Require ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            : SSL_VERIFY_PEER;
        SSL_CTX_set_verify(ctx, mode, 0);

        if (options.IsServer)
        {
            fixed (byte* sid = SessionIdContext)
            {
                if (SSL_CTX_set_session_id_context(ctx, sid, (uint)SessionIdContext.Length) != 1)
                {
                    throw new InvalidOperationException($"OpenSSL refused the session id context: {DrainErrors()}.");
                }
            }

            if (owner.AlpnWire.Length > 0)
            {
                SSL_CTX_set_alpn_select_cb(ctx, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte**, byte*, byte*, uint, IntPtr, int>)&SelectAlpn, 0);
            }

            if (options.ServerNameCertificates.Count > 0)
            {
                SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr, int>)&SelectServerName);
            }
        }
        else if (owner.AlpnWire.Length > 0)
        {
            fixed (byte* wire = owner.AlpnWire)
            {
                if (SSL_CTX_set_alpn_protos(ctx, wire, (uint)owner.AlpnWire.Length) != 0)
                {
                    throw new InvalidOperationException($"OpenSSL refused the ALPN list: {DrainErrors()}.");
                }
            }
        }
    }

    private static void RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The TLS {what} file '{path}' does not exist.", path);
        }
    }

    private static (int Min, int Max) VersionRange(SslProtocols protocols)
    {
        int min = 0, max = 0;
        foreach (var (flag, version) in new[] { (SslProtocols.Tls12, TLS1_2_VERSION), (SslProtocols.Tls13, TLS1_3_VERSION) })
        {
            if ((protocols & flag) != 0)
            {
                min = min == 0 ? version : min;
                max = version;
            }
        }

        if (min == 0)
        {
            throw new ArgumentException($"TlsOptions.EnabledProtocols ({protocols}) names no TLS version this layer supports (Tls12, Tls13).", nameof(protocols));
        }

        return (min, max);
    }

    // ---- callbacks from OpenSSL, on the thread running the handshake (the reactor thread) ----

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SelectAlpn(IntPtr ssl, byte** output, byte* outputLength, byte* client, uint clientLength, IntPtr arg)
    {
        var connection = TlsMemoryBioProtocol.FromSsl(ssl);
        var wire = connection?.Context?.AlpnWire;
        if (wire is null || wire.Length == 0)
        {
            return SSL_TLSEXT_ERR_NOACK;
        }

        fixed (byte* server = wire)
        {
            byte* selected;
            byte length;
            if (SSL_select_next_proto(&selected, &length, server, (uint)wire.Length, client, clientLength) == OPENSSL_NPN_NEGOTIATED)
            {
                // `selected` points into the pinned wire array, which lives as long as the context.
                *output = selected;
                *outputLength = length;
                return SSL_TLSEXT_ERR_OK;
            }
        }

        // RFC 7301 section 3.2: no protocol in common is a fatal no_application_protocol alert.
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int SelectServerName(IntPtr ssl, int* alert, IntPtr arg)
    {
        var namePointer = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        var connection = TlsMemoryBioProtocol.FromSsl(ssl);
        if (namePointer == 0 || connection?.Context is not { } context)
        {
            return SSL_TLSEXT_ERR_OK;
        }

        var name = Marshal.PtrToStringUTF8(namePointer);
        if (name is not null)
        {
            connection.ServerNameSeen = name;
            var ctx = context.FindByName(name);
            if (ctx != 0)
            {
                SSL_set_SSL_CTX(ssl, ctx);
            }
        }

        return SSL_TLSEXT_ERR_OK;
    }
}
