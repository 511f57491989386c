using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Torsion.Tls.OpenSsl;

namespace Torsion.Tls;

/// <summary>
/// The BIO between OpenSSL and this connection (one for both directions). OpenSSL's memory BIO zero-fills every
/// extension of its buffer and needs a copy in and a copy out; this one reads ciphertext straight from the bytes the
/// transport handed to <see cref="Receive"/> (keeping only an incomplete record's tail) and gathers what OpenSSL
/// writes into one pooled buffer that <see cref="FlushCiphertext"/> hands to the transport as it is.
/// </summary>
internal sealed unsafe partial class TlsMemoryBioProtocol
{
    private static readonly IntPtr Method = CreateMethod();

    /// <summary>Ciphertext OpenSSL may read now: the caller's bytes during <see cref="Receive"/>, or <see cref="_inStash"/>.</summary>
    private byte* _inPointer;
    private int _inLength;

    /// <summary>Ciphertext received but not yet read by OpenSSL (an incomplete record, or records left while paused).</summary>
    private byte[]? _inStash;
    private int _inStashLength;

    /// <summary>Ciphertext OpenSSL wrote that has not gone to the transport yet.</summary>
    private byte[]? _out;
    private int _outLength;

    private static IntPtr CreateMethod()
    {
        var method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "torsion");
        if (method == 0
            || BIO_meth_set_write_ex(method, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, nuint*, int>)&BioWrite) != 1
            || BIO_meth_set_read_ex(method, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, nuint*, int>)&BioRead) != 1
            || BIO_meth_set_ctrl(method, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, long, IntPtr, long>)&BioCtrl) != 1)
        {
            throw new InvalidOperationException($"OpenSSL could not create the TLS layer's BIO method: {DrainErrors()}.");
        }

        return method;
    }

    /// <summary>A BIO for this connection (freed by SSL_free once given to SSL_set_bio).</summary>
    private IntPtr NewBio()
    {
        var bio = BIO_new(Method);
        if (bio == 0)
        {
            throw new InvalidOperationException($"OpenSSL could not create a BIO: {DrainErrors()}.");
        }

        BIO_set_data(bio, GCHandle.ToIntPtr(_self));
        BIO_set_init(bio, 1);
        return bio;
    }

    private static TlsMemoryBioProtocol? Owner(IntPtr bio)
    {
        var handle = BIO_get_data(bio);
        return handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as TlsMemoryBioProtocol;
    }

    /// <summary>Feeds <paramref name="ciphertext"/> (after any stashed bytes) to OpenSSL and runs the engine; keeps what it left.</summary>
    private void PumpWith(ReadOnlySpan<byte> ciphertext)
    {
        if (_inStashLength == 0)
        {
            fixed (byte* p = ciphertext)
            {
                _inPointer = p;
                _inLength = ciphertext.Length;
                try
                {
                    Pump();
                }
                finally
                {
                    var left = _inLength;
                    _inPointer = null;
                    _inLength = 0;
                    if (left > 0 && _ssl != 0)
                    {
                        Stash(ciphertext[^left..]);
                    }
                }
            }

            return;
        }

        if (!ciphertext.IsEmpty)
        {
            Stash(ciphertext);
        }

        var stash = _inStash!;
        var length = _inStashLength;
        fixed (byte* p = stash)
        {
            _inPointer = p;
            _inLength = length;
            try
            {
                Pump();
            }
            finally
            {
                var left = _inLength;
                _inPointer = null;
                _inLength = 0;
                if (left == 0 || _ssl == 0)
                {
                    ReleaseStash();
                }
                else if (left < length)
                {
                    Buffer.BlockCopy(stash, length - left, stash, 0, left);
                    _inStashLength = left;
                }
            }
        }
    }

    private void Stash(ReadOnlySpan<byte> data)
    {
        var needed = _inStashLength + data.Length;
        if (_inStash is null || _inStash.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, ReadChunk));
            if (_inStash is { } old)
            {
                old.AsSpan(0, _inStashLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(old);
            }

            _inStash = bigger;
        }

        data.CopyTo(_inStash.AsSpan(_inStashLength));
        _inStashLength = needed;
    }

    private void ReleaseStash()
    {
        if (_inStash is { } stash)
        {
            _inStash = null;
            ArrayPool<byte>.Shared.Return(stash);
        }

        _inStashLength = 0;
    }

    private void AppendCiphertext(ReadOnlySpan<byte> data)
    {
        var needed = _outLength + data.Length;
        if (_out is null || _out.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 2 * ReadChunk));
            if (_out is { } old)
            {
                old.AsSpan(0, _outLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(old);
            }

            _out = bigger;
        }

        data.CopyTo(_out.AsSpan(_outLength));
        _outLength = needed;
    }

    /// <summary>Moves what OpenSSL wrote (records, alerts) to the transport below.</summary>
    private void FlushCiphertext()
    {
        if (_outLength == 0 || _transport is null)
        {
            return;
        }

        // Detached first: the transport may pause a producer whose code writes again (into a new buffer, after these bytes).
        var buffer = _out!;
        var length = _outLength;
        _out = null;
        _outLength = 0;
        try
        {
            _transport.Write(new ReadOnlySpan<byte>(buffer, 0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReleaseBuffers()
    {
        ReleaseStash();
        if (_out is { } buffer)
        {
            _out = null;
            _outLength = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- callbacks from OpenSSL, on the reactor thread, inside SSL_do_handshake/SSL_read/SSL_write/SSL_shutdown ----

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int BioWrite(IntPtr bio, byte* data, nuint length, nuint* written)
    {
        *written = 0;
        try
        {
            BIO_clear_flags(bio, BIO_FLAGS_RWS_RETRY);
            var owner = Owner(bio);
            if (owner is null || length > int.MaxValue)
            {
                return 0;
            }

            owner.AppendCiphertext(new ReadOnlySpan<byte>(data, (int)length));
            *written = length;
            return 1;
        }
        catch (Exception)
        {
            // Nothing may unwind into OpenSSL: a failed write is an error OpenSSL reports on its own call.
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int BioRead(IntPtr bio, byte* buffer, nuint size, nuint* read)
    {
        *read = 0;
        try
        {
            BIO_clear_flags(bio, BIO_FLAGS_RWS_RETRY);
            var owner = Owner(bio);
            if (owner is null)
            {
                return 0;
            }

            if (owner._inLength == 0)
            {
                // No more ciphertext for now: OpenSSL reports SSL_ERROR_WANT_READ.
                BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
                return 0;
            }

            var n = (int)Math.Min((nuint)owner._inLength, size);
            Buffer.MemoryCopy(owner._inPointer, buffer, (long)size, n);
            owner._inPointer += n;
            owner._inLength -= n;
            *read = (nuint)n;
            return 1;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static long BioCtrl(IntPtr bio, int command, long argument, IntPtr pointer)
    {
        try
        {
            return command switch
            {
                BIO_CTRL_FLUSH => 1,
                BIO_CTRL_PENDING => Owner(bio)?._inLength ?? 0,
                BIO_CTRL_WPENDING => Owner(bio)?._outLength ?? 0,
                _ => 0,
            };
        }
        catch (Exception)
        {
            return 0;
        }
    }
}
