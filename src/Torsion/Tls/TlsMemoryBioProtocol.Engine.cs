using System.Buffers;
using System.Security.Authentication;
using Torsion.Protocols;
using Torsion.Transports;
using static Torsion.Tls.OpenSsl;

namespace Torsion.Tls;

internal unsafe partial class TlsMemoryBioProtocol
{
    // ---- the engine ----

    private void Receive(ReadOnlySpan<byte> ciphertext)
    {
        if (_ssl == 0 || _aborted || _failure is not null)
        {
            return;
        }

        _busy++;
        try
        {
            PumpWith(ciphertext);
        }
        finally
        {
            if (--_busy == 0 && _lost)
            {
                Free();
            }
        }
    }

    private void Pump()
    {
        if (!_handshakeDone)
        {
            ERR_clear_error();
            var result = SSL_do_handshake(_ssl);
            if (result != 1)
            {
                var error = SSL_get_error(_ssl, result);
                if (error == SSL_ERROR_WANT_READ)
                {
                    FlushCiphertext();
                    return;
                }

                Fail(Failure(error, "handshake"));
                return;
            }

            FlushCiphertext();
            HandshakeDone();
            if (_ssl == 0 || _aborted || _failure is not null)
            {
                return;
            }
        }

        ReadPlaintext();
        FlushCiphertext();
    }

    private void HandshakeDone()
    {
        _handshakeDone = true;
        var version = SSL_version(_ssl);
#pragma warning disable CA5397 // a false positive: this maps OpenSSL's wire version numbers to the enum, it sets no version
        _version = version == TLS1_3_VERSION ? SslProtocols.Tls13 : version == TLS1_2_VERSION ? SslProtocols.Tls12 : SslProtocols.None;
#pragma warning restore CA5397
        byte* selected;
        uint length;
        SSL_get0_alpn_selected(_ssl, &selected, &length);
        _alpn = length == 0 ? null : Context!.AlpnName(new ReadOnlySpan<byte>(selected, (int)length));

        if (_pending is { } pending)
        {
            _pending = null;
            WritePlaintext(pending.WrittenSpan);
        }

        _membrane?.HoldForHandshake(false);
        if (_application is ITlsHandshakeListener listener)
        {
            listener.HandshakeCompleted();
        }

        if (_disconnecting && _failure is null && !_aborted)
        {
            SendCloseNotify();
            Below.LoseConnection();
        }
        else if (_writeClosing)
        {
            CloseWriteSide();
        }
    }

    private void ReadPlaintext()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        try
        {
            while (_ssl != 0 && !_readPaused && !_aborted && !_disconnecting && _failure is null && !_closeNotifyReceived)
            {
                ERR_clear_error();
                int n;
                fixed (byte* p = buffer)
                {
                    n = SSL_read(_ssl, p, buffer.Length);
                }

                if (n > 0)
                {
                    _application.DataReceived(new ReadOnlySpan<byte>(buffer, 0, n));
                    continue;
                }

                var error = SSL_get_error(_ssl, n);
                if (error == SSL_ERROR_WANT_READ)
                {
                    break;
                }

                if (error == SSL_ERROR_ZERO_RETURN)
                {
                    CloseNotifyReceived();
                    break;
                }

                Fail(Failure(error, "read"));
                break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CloseNotifyReceived()
    {
        _closeNotifyReceived = true;
        if (_application is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.ReadConnectionLost();
            if (!_closeNotifySent)
            {
                // TLS half-close: the peer will send no more; this side may still write until it closes.
                return;
            }
        }

        if (!_disconnecting)
        {
            // RFC 5246 7.2.1: answer close_notify with close_notify and close.
            SendCloseNotify();
            _disconnecting = true;
            Below.LoseConnection();
        }
    }

    private void WritePlaintext(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && _ssl != 0)
        {
            var chunk = data.Length > WriteChunk ? data[..WriteChunk] : data;
            ERR_clear_error();
            int n;
            fixed (byte* p = chunk)
            {
                n = SSL_write(_ssl, p, chunk.Length);
            }

            if (n <= 0)
            {
                Fail(Failure(SSL_get_error(_ssl, n), "write"));
                return;
            }

            data = data[n..];
            FlushCiphertext();
        }
    }

    private void CloseWriteSide()
    {
        SendCloseNotify();
        if (_application is IHalfCloseableProtocol halfCloseable)
        {
            halfCloseable.WriteConnectionLost();
        }

        if (_closeNotifyReceived)
        {
            _disconnecting = true;
            Below.LoseConnection();
        }
        else if (Below is IHalfCloseable below)
        {
            below.LoseWriteConnection();
        }
    }

    private void SendCloseNotify()
    {
        if (_closeNotifySent || !_handshakeDone || _ssl == 0)
        {
            return;
        }

        _closeNotifySent = true;
        ERR_clear_error();
        _ = SSL_shutdown(_ssl); // 0: close_notify sent, the peer's not yet seen; either way nothing more to do
        ERR_clear_error();
        FlushCiphertext();
    }

    /// <summary>Records a fatal error: the alert OpenSSL produced goes out, then the connection closes.</summary>
    private void Fail(Exception reason)
    {
        if (_failure is not null)
        {
            return;
        }

        _failure = reason;
        FlushCiphertext();
        Below.LoseConnection();
    }

    private TlsException Failure(int error, string stage)
    {
        var what = stage == "handshake" || !_handshakeDone ? "TLS handshake" : "TLS connection";
        var verify = SSL_get_verify_result(_ssl);
        if (verify != X509_V_OK)
        {
            ERR_clear_error();
            var whose = _isServer ? "client" : "server";
            return new TlsException($"{what} with {SafePeer()} failed: {whose} certificate verification failed: {DescribeVerifyError(verify)} (OpenSSL: {VerifyErrorString(verify)}).", verify);
        }

        var detail = error == SSL_ERROR_SYSCALL ? "the transport failed" : DrainErrors();
        return new TlsException($"{what} with {SafePeer()} failed: {detail}.");
    }

    private string DescribeVerifyError(long code) => code switch
    {
        X509_V_ERR_CERT_HAS_EXPIRED => "the certificate has expired",
        X509_V_ERR_CERT_NOT_YET_VALID => "the certificate is not yet valid",
        X509_V_ERR_HOSTNAME_MISMATCH => $"hostname mismatch: the certificate is not valid for '{_verifiedName}'",
        X509_V_ERR_IP_ADDRESS_MISMATCH => $"IP address mismatch: the certificate is not valid for {_verifiedName}",
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT => "unknown issuer: the certificate is self-signed and not trusted",
        X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN => "unknown issuer: the chain ends in a self-signed root that is not trusted",
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY or X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => "unknown issuer: no trusted root issued the certificate",
        _ => VerifyErrorString(code),
    };

    private string SafePeer() => _transport?.Peer.ToString() ?? "the peer";

    private void Free()
    {
        if (_ssl != 0)
        {
            SSL_free(_ssl); // frees the BIO too
            _ssl = 0;
        }

        ReleaseBuffers();

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        Context?.Release();
        Context = null;
    }

    private void CheckThread(string what)
    {
        if (_threadId != 0 && Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException($"{what} was called from thread {Environment.CurrentManagedThreadId}; a TLS transport belongs to its reactor thread: use reactor.CallFromThread.");
        }
    }

    public override string ToString() => $"TLS over {_transport} ({_application.GetType().Name})";
}
