using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Torsion.Protocols;
using Torsion.Transports;
using static Torsion.Tls.OpenSsl;

namespace Torsion.Tls;

/// <summary>
/// TLS over any stream transport, after Twisted's TLSMemoryBIOProtocol: the protocol of the transport below and the
/// transport of the application protocol above. Ciphertext from below goes into an OpenSSL memory BIO, the handshake
/// and decryption run synchronously on the reactor thread, plaintext goes up; writes go the other way. Until
/// <see cref="StartTls"/> (when not started in TLS) bytes pass through untouched.
/// RFC 8446 (TLS 1.3) and RFC 5246 (TLS 1.2) section 7.2.1 for closure: close_notify on close, truncation is an error.
/// </summary>
internal sealed unsafe partial class TlsMemoryBioProtocol : IProtocol, IHalfCloseableProtocol, ITransport, ITlsTransport, IHalfCloseable
{
    /// <summary>Plaintext buffered before the handshake completes above which a streaming producer is paused.</summary>
    internal const int HandshakeBufferHighWaterMark = 64 * 1024;

    /// <summary>Plaintext handed to SSL_write at once: its ciphertext goes down before the next piece is encrypted.</summary>
    private const int WriteChunk = 64 * 1024;

    /// <summary>Room for one decrypted record (16 KiB) with slack.</summary>
    private const int ReadChunk = 17 * 1024;

    /// <summary>Ciphertext moved from the write BIO to the transport at a time.</summary>
    private const int CipherChunk = 64 * 1024;

    private readonly IProtocol _application;
    private readonly TlsOptions? _initialOptions;
    private readonly string? _hostName;
    private ITransport? _transport;
    private int _threadId;
    private IntPtr _ssl;
    private GCHandle _self;
    private bool _tls;
    private bool _isServer;
    private bool _handshakeDone;
    private bool _closeNotifyReceived;
    private bool _closeNotifySent;
    private bool _disconnecting;
    private bool _writeClosing;
    private bool _aborted;
    private bool _lost;
    private bool _readPaused;
    private bool _delivering;
    private int _busy;
    private Exception? _failure;
    private ArrayBufferWriter<byte>? _pending;
    private byte[]? _stashed;
    private TlsProducerMembrane? _membrane;
    private X509Certificate2? _peerCertificate;
    private bool _peerCertificateLoaded;
    private string? _alpn;
    private SslProtocols _version;
    private string? _verifiedName;

    /// <summary>Wraps <paramref name="application"/>; starts TLS on connection with <paramref name="options"/> unless it is null.</summary>
    /// <param name="application">The protocol that sees plaintext.</param>
    /// <param name="options">TLS from the first byte, or null: plaintext until <see cref="StartTls"/>.</param>
    /// <param name="hostName">Client: the name to verify when the options name none (the host connected to).</param>
    internal TlsMemoryBioProtocol(IProtocol application, TlsOptions? options, string? hostName)
    {
        _application = application;
        _initialOptions = options;
        _hostName = hostName;
    }

    /// <summary>The contexts this connection's handshake uses (read by OpenSSL's callbacks).</summary>
    internal TlsContext? Context { get; private set; }

    /// <summary>The SNI name a client sent (set by the server-name callback).</summary>
    internal string? ServerNameSeen { get; set; }

    /// <summary>The transport under TLS (tests close it without close_notify to truncate).</summary>
    internal ITransport? Underlying => _transport;

    /// <summary>The application protocol this layer carries.</summary>
    internal IProtocol Application => _application;

    /// <summary>The connection that owns an SSL object, from its ex_data slot.</summary>
    internal static TlsMemoryBioProtocol? FromSsl(IntPtr ssl)
    {
        var handle = SSL_get_ex_data(ssl, 0);
        return handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as TlsMemoryBioProtocol;
    }

    private ITransport Below => _transport ?? throw new InvalidOperationException("The TLS layer is used before its transport connected.");

    // ---- ITransport (what the application sees) ----

    public EndPoint Peer => Below.Peer;

    public EndPoint Host => Below.Host;

    public bool IsTlsStarted => _tls;

    public bool IsHandshakeComplete => _handshakeDone;

    public string? NegotiatedApplicationProtocol => _alpn;

    public SslProtocols NegotiatedProtocolVersion => _version;

    public string? ServerName => _isServer ? ServerNameSeen : _verifiedName;

    public X509Certificate2? PeerCertificate
    {
        get
        {
            if (!_peerCertificateLoaded && _handshakeDone && _ssl != 0)
            {
                _peerCertificateLoaded = true;
                var x509 = SSL_get1_peer_certificate(_ssl);
                if (x509 != 0)
                {
                    try
                    {
                        var length = i2d_X509(x509, null);
                        var der = new byte[length];
                        fixed (byte* p = der)
                        {
                            var q = p;
                            if (i2d_X509(x509, &q) != length)
                            {
                                throw new InvalidOperationException("OpenSSL could not encode the peer certificate.");
                            }
                        }

                        _peerCertificate = X509CertificateLoader.LoadCertificate(der);
                    }
                    finally
                    {
                        X509_free(x509);
                    }
                }
            }

            return _peerCertificate;
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        CheckThread("ITransport.Write");
        if (!_tls)
        {
            Below.Write(data);
            return;
        }

        if (data.IsEmpty || _ssl == 0 || _aborted || _failure is not null || _closeNotifySent || _disconnecting)
        {
            return;
        }

        if (!_handshakeDone)
        {
            var pending = _pending ??= new ArrayBufferWriter<byte>();
            pending.Write(data);
            if (pending.WrittenCount >= HandshakeBufferHighWaterMark)
            {
                _membrane?.HoldForHandshake(true);
            }

            return;
        }

        WritePlaintext(data);
    }

    public void WriteSequence(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    public void LoseConnection()
    {
        CheckThread("ITransport.LoseConnection");
        if (!_tls || _ssl == 0 || _failure is not null)
        {
            _disconnecting = true;
            Below.LoseConnection();
            return;
        }

        if (_disconnecting)
        {
            return;
        }

        _disconnecting = true;
        if (_handshakeDone)
        {
            // Pending plaintext is already ciphertext in the transport's queue: close_notify follows it.
            SendCloseNotify();
            Below.LoseConnection();
        }

        // Before the handshake completes the close waits for it (buffered writes must go out encrypted first).
    }

    public void LoseWriteConnection()
    {
        CheckThread("IHalfCloseable.LoseWriteConnection");
        if (!_tls)
        {
            if (Below is not IHalfCloseable halfCloseable)
            {
                throw new NotSupportedException($"The transport under this connection ({Below.GetType().Name}) cannot half-close.");
            }

            halfCloseable.LoseWriteConnection();
            return;
        }

        if (_writeClosing || _disconnecting)
        {
            return;
        }

        _writeClosing = true;
        if (_handshakeDone)
        {
            CloseWriteSide();
        }
    }

    public void AbortConnection()
    {
        CheckThread("ITransport.AbortConnection");
        _aborted = true;
        Below.AbortConnection();
    }

    public void RegisterProducer(IProducer producer, bool streaming)
    {
        ArgumentNullException.ThrowIfNull(producer);
        CheckThread("ITransport.RegisterProducer");
        if (!streaming)
        {
            Below.RegisterProducer(producer, streaming: false);
            return;
        }

        if (producer is not IPushProducer push)
        {
            throw new ArgumentException($"A streaming producer must implement {nameof(IPushProducer)}; {producer.GetType().Name} does not.", nameof(producer));
        }

        var membrane = new TlsProducerMembrane(push);
        Below.RegisterProducer(membrane, streaming: true);
        _membrane = membrane;
        if (_pending is { WrittenCount: >= HandshakeBufferHighWaterMark })
        {
            membrane.HoldForHandshake(true);
        }
    }

    public void UnregisterProducer()
    {
        CheckThread("ITransport.UnregisterProducer");
        _membrane = null;
        Below.UnregisterProducer();
    }

    public void PauseProducing()
    {
        _readPaused = true;
        Below.PauseProducing();
    }

    public void ResumeProducing()
    {
        _readPaused = false;
        Below.ResumeProducing();
        if (_tls && _handshakeDone && _busy == 0 && _ssl != 0)
        {
            // Records already decrypted-ready in OpenSSL's buffer would otherwise wait for the next bytes from below.
            Receive([]);
        }
    }

    public void StopProducing() => LoseConnection();

    // ---- STARTTLS ----

    public void StartTls(TlsOptions options, ReadOnlySpan<byte> alreadyReceived = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckThread("ITlsTransport.StartTls");
        if (_tls)
        {
            throw new InvalidOperationException("TLS is already started on this connection.");
        }

        if (_disconnecting || _lost)
        {
            throw new InvalidOperationException("StartTls on a connection that is closing.");
        }

        Begin(options);
        if (_delivering)
        {
            // Inside the application's DataReceived: feed these bytes once it returns, not re-entrantly.
            _stashed = alreadyReceived.IsEmpty ? null : alreadyReceived.ToArray();
        }
        else
        {
            Receive(alreadyReceived);
        }
    }

    private void Begin(TlsOptions options)
    {
        var context = options.AcquireContext();
        ERR_clear_error();
        var ssl = SSL_new(context.Default);
        if (ssl == 0)
        {
            context.Release();
            throw new InvalidOperationException($"OpenSSL could not create a TLS connection: {DrainErrors()}.");
        }

        Context = context;
        _ssl = ssl;
        _isServer = options.IsServer;
        _self = GCHandle.Alloc(this);
        var bio = NewBio();
        SSL_set_bio(ssl, bio, bio); // one reference, owned by the SSL from here on
        if (SSL_set_ex_data(ssl, 0, GCHandle.ToIntPtr(_self)) != 1)
        {
            throw new InvalidOperationException($"OpenSSL could not attach the connection to its TLS state: {DrainErrors()}.");
        }
        _tls = true;
        if (options.IsServer)
        {
            SSL_set_accept_state(ssl);
            return;
        }

        SSL_set_connect_state(ssl);
        var host = options.HostName ?? _hostName;
        _verifiedName = host;
        var isIp = host is not null && IPAddress.TryParse(host, out _);
        if (options.VerifyPeer)
        {
            if (host is null)
            {
                throw new InvalidOperationException("A TLS client that verifies the server needs a host name: set TlsOptions.HostName (or VerifyPeer = false in tests).");
            }

            var set = isIp ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) : SSL_set1_host(ssl, host);
            if (set != 1)
            {
                throw new ArgumentException($"OpenSSL refused '{host}' as the name to verify: {DrainErrors()}.", nameof(options));
            }
        }

        var sni = options.ServerName ?? (isIp ? null : host);
        if (sni is not null)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(sni + "\0");
            fixed (byte* p = bytes)
            {
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (IntPtr)p);
            }
        }

        // The client speaks first: the ClientHello goes out now (in the same batch as any plaintext before it).
        Receive([]);
    }

    // ---- IProtocol (what the transport below sees) ----

    public void MakeConnection(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _threadId = Environment.CurrentManagedThreadId;
        if (_initialOptions is not null)
        {
            Begin(_initialOptions);
        }

        _application.MakeConnection(this);
    }

    public void DataReceived(ReadOnlySpan<byte> data)
    {
        if (!_tls)
        {
            _delivering = true;
            try
            {
                _application.DataReceived(data);
            }
            finally
            {
                _delivering = false;
            }

            if (_stashed is { } stashed)
            {
                _stashed = null;
                Receive(stashed);
            }

            return;
        }

        Receive(data);
    }

    public void ReadConnectionLost()
    {
        if (!_tls)
        {
            if (_application is IHalfCloseableProtocol halfCloseable)
            {
                halfCloseable.ReadConnectionLost();
            }
            else
            {
                Below.LoseConnection();
            }

            return;
        }

        // The peer's TCP write side is closed. After its close_notify that is a clean half-close (the application
        // heard ReadConnectionLost already); without it, the stream was truncated (reported on ConnectionLost).
        if (!_closeNotifyReceived || _closeNotifySent || _application is not IHalfCloseableProtocol)
        {
            Below.LoseConnection();
        }
    }

    public void WriteConnectionLost()
    {
        if (!_tls && _application is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.WriteConnectionLost();
        }
    }

    public void ConnectionLost(Exception reason)
    {
        if (_lost)
        {
            return;
        }

        _lost = true;
        var report = reason;
        if (_tls)
        {
            if (_failure is not null)
            {
                report = _failure;
            }
            else if (_aborted)
            {
                report = reason;
            }
            else if (!_handshakeDone)
            {
                report = new TlsException($"TLS handshake with {SafePeer()} failed: the connection closed before the handshake completed ({reason.Message})", reason);
            }
            else if (reason is ConnectionDoneException && !_closeNotifyReceived && !(_disconnecting && _closeNotifySent))
            {
                report = new ConnectionLostException($"TLS connection with {SafePeer()} truncated: the peer closed the connection without sending close_notify.", reason);
            }
        }

        _membrane = null;
        if (_busy == 0)
        {
            Free();
        }

        _application.ConnectionLost(report);
    }
}
