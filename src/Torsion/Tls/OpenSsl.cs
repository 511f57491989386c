using System.Runtime.InteropServices;

namespace Torsion.Tls;

/// <summary>
/// The slice of OpenSSL 3 (libssl.so.3, libcrypto.so.3) the TLS layer uses: contexts, memory BIOs, the
/// handshake/read/write/shutdown calls and their error queue. Macros of ssl.h are spelled out as their ctrl calls.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    internal const int SSL_ERROR_NONE = 0;
    internal const int SSL_ERROR_SSL = 1;
    internal const int SSL_ERROR_WANT_READ = 2;
    internal const int SSL_ERROR_WANT_WRITE = 3;
    internal const int SSL_ERROR_SYSCALL = 5;
    internal const int SSL_ERROR_ZERO_RETURN = 6;

    internal const int SSL_CTRL_MODE = 33;
    internal const int SSL_CTRL_SET_TLSEXT_SERVERNAME_CB = 53;
    internal const int SSL_CTRL_SET_TLSEXT_HOSTNAME = 55;
    internal const int SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
    internal const int SSL_CTRL_SET_MAX_PROTO_VERSION = 124;

    internal const int BIO_CTRL_PENDING = 10;

    internal const int TLS1_2_VERSION = 0x0303;
    internal const int TLS1_3_VERSION = 0x0304;

    internal const int SSL_VERIFY_NONE = 0;
    internal const int SSL_VERIFY_PEER = 1;
    internal const int SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2;

    internal const int SSL_FILETYPE_PEM = 1;
    internal const int SSL_TLSEXT_ERR_OK = 0;
    internal const int SSL_TLSEXT_ERR_ALERT_FATAL = 2;
    internal const int SSL_TLSEXT_ERR_NOACK = 3;
    internal const int OPENSSL_NPN_NEGOTIATED = 1;
    internal const int TLSEXT_NAMETYPE_host_name = 0;

    internal const ulong SSL_OP_NO_COMPRESSION = 1UL << 17;
    internal const ulong SSL_OP_NO_RENEGOTIATION = 1UL << 30;

    internal const int SSL_SENT_SHUTDOWN = 1;
    internal const int SSL_RECEIVED_SHUTDOWN = 2;

    internal const long X509_V_OK = 0;
    internal const long X509_V_ERR_CERT_NOT_YET_VALID = 9;
    internal const long X509_V_ERR_CERT_HAS_EXPIRED = 10;
    internal const long X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT = 18;
    internal const long X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN = 19;
    internal const long X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    internal const long X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21;
    internal const long X509_V_ERR_HOSTNAME_MISMATCH = 62;
    internal const long X509_V_ERR_IP_ADDRESS_MISMATCH = 64;

    // ---- contexts ----

    [LibraryImport(Ssl)]
    internal static partial IntPtr TLS_method();

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_CTX_new(IntPtr method);

    [LibraryImport(Ssl)]
    internal static partial void SSL_CTX_free(IntPtr ctx);

    [LibraryImport(Ssl)]
    internal static partial long SSL_CTX_ctrl(IntPtr ctx, int cmd, long larg, IntPtr parg);

    [LibraryImport(Ssl)]
    internal static partial long SSL_CTX_callback_ctrl(IntPtr ctx, int cmd, IntPtr fp);

    [LibraryImport(Ssl)]
    internal static partial ulong SSL_CTX_set_options(IntPtr ctx, ulong options);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SSL_CTX_use_certificate_chain_file(IntPtr ctx, string file);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SSL_CTX_use_PrivateKey_file(IntPtr ctx, string file, int type);

    [LibraryImport(Ssl)]
    internal static partial int SSL_CTX_check_private_key(IntPtr ctx);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SSL_CTX_load_verify_locations(IntPtr ctx, string? caFile, string? caPath);

    [LibraryImport(Ssl)]
    internal static partial int SSL_CTX_set_default_verify_paths(IntPtr ctx);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr SSL_load_client_CA_file(string file);

    [LibraryImport(Ssl)]
    internal static partial void SSL_CTX_set_client_CA_list(IntPtr ctx, IntPtr names);

    [LibraryImport(Ssl)]
    internal static partial void SSL_CTX_set_verify(IntPtr ctx, int mode, IntPtr callback);

    [LibraryImport(Ssl)]
    internal static partial int SSL_CTX_set_session_id_context(IntPtr ctx, byte* sid, uint length);

    [LibraryImport(Ssl)]
    internal static partial int SSL_CTX_set_alpn_protos(IntPtr ctx, byte* protos, uint length);

    [LibraryImport(Ssl)]
    internal static partial void SSL_CTX_set_alpn_select_cb(IntPtr ctx, IntPtr callback, IntPtr arg);

    [LibraryImport(Ssl)]
    internal static partial int SSL_select_next_proto(byte** output, byte* outputLength, byte* server, uint serverLength, byte* client, uint clientLength);

    // ---- connections ----

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_new(IntPtr ctx);

    [LibraryImport(Ssl)]
    internal static partial void SSL_free(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_set_SSL_CTX(IntPtr ssl, IntPtr ctx);

    [LibraryImport(Ssl)]
    internal static partial void SSL_set_bio(IntPtr ssl, IntPtr rbio, IntPtr wbio);

    [LibraryImport(Ssl)]
    internal static partial void SSL_set_accept_state(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial void SSL_set_connect_state(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial int SSL_set_ex_data(IntPtr ssl, int index, IntPtr data);

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_get_ex_data(IntPtr ssl, int index);

    [LibraryImport(Ssl)]
    internal static partial long SSL_ctrl(IntPtr ssl, int cmd, long larg, IntPtr parg);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SSL_set1_host(IntPtr ssl, string hostName);

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_get0_param(IntPtr ssl);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int X509_VERIFY_PARAM_set1_ip_asc(IntPtr param, string ip);

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_get_servername(IntPtr ssl, int type);

    [LibraryImport(Ssl)]
    internal static partial int SSL_do_handshake(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial int SSL_read(IntPtr ssl, byte* buffer, int length);

    [LibraryImport(Ssl)]
    internal static partial int SSL_write(IntPtr ssl, byte* buffer, int length);

    [LibraryImport(Ssl)]
    internal static partial int SSL_shutdown(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial int SSL_get_shutdown(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial int SSL_get_error(IntPtr ssl, int result);

    [LibraryImport(Ssl)]
    internal static partial long SSL_get_verify_result(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial int SSL_version(IntPtr ssl);

    [LibraryImport(Ssl)]
    internal static partial void SSL_get0_alpn_selected(IntPtr ssl, byte** data, uint* length);

    [LibraryImport(Ssl)]
    internal static partial IntPtr SSL_get1_peer_certificate(IntPtr ssl);

    // ---- BIOs, certificates, errors (libcrypto) ----

    [LibraryImport(Crypto)]
    internal static partial IntPtr BIO_s_mem();

    [LibraryImport(Crypto)]
    internal static partial IntPtr BIO_new(IntPtr method);

    [LibraryImport(Crypto)]
    internal static partial int BIO_free(IntPtr bio);

    [LibraryImport(Crypto)]
    internal static partial int BIO_write(IntPtr bio, byte* data, int length);

    [LibraryImport(Crypto)]
    internal static partial int BIO_read(IntPtr bio, byte* data, int length);

    [LibraryImport(Crypto)]
    internal static partial long BIO_ctrl(IntPtr bio, int cmd, long larg, IntPtr parg);

    [LibraryImport(Crypto)]
    internal static partial int i2d_X509(IntPtr x509, byte** output);

    [LibraryImport(Crypto)]
    internal static partial void X509_free(IntPtr x509);

    [LibraryImport(Crypto)]
    internal static partial IntPtr X509_verify_cert_error_string(long code);

    [LibraryImport(Crypto)]
    internal static partial ulong ERR_get_error();

    [LibraryImport(Crypto)]
    internal static partial void ERR_clear_error();

    [LibraryImport(Crypto)]
    internal static partial IntPtr ERR_reason_error_string(ulong code);

    /// <summary>The reasons on this thread's OpenSSL error queue, joined ("no application protocol; ..."), emptying it.</summary>
    internal static string DrainErrors()
    {
        string? text = null;
        ulong code;
        while ((code = ERR_get_error()) != 0)
        {
            var reason = Marshal.PtrToStringUTF8(ERR_reason_error_string(code)) ?? $"OpenSSL error 0x{code:x}";
            text = text is null ? reason : $"{text}; {reason}";
        }

        return text ?? "no detail from OpenSSL";
    }

    /// <summary>OpenSSL's text for a certificate verification result code.</summary>
    internal static string VerifyErrorString(long code) =>
        Marshal.PtrToStringUTF8(X509_verify_cert_error_string(code)) ?? $"verification error {code}";
}
