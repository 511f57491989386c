using System.IO.Compression;
using System.Text;

namespace Torsion.Web.WebSocket;

/// <summary>
/// The permessage-deflate extension (RFC 7692) of one connection: raw DEFLATE with the 00 00 FF FF tail of a sync
/// flush removed on send and put back on receive. Windows are always 15 bits (System.IO.Compression offers no other):
/// offers that need a smaller window are declined.
/// </summary>
internal sealed class PerMessageDeflate : IDisposable
{
    private static readonly byte[] Tail = [0x00, 0x00, 0xFF, 0xFF];
    private static readonly byte[] EmptyBlock = [0x00];
    private readonly bool _resetCompressor;
    private readonly bool _resetDecompressor;
    private readonly MemoryStream _compressed = new();
    private readonly FeedStream _feed = new();
    private DeflateStream? _compressor;
    private DeflateStream? _decompressor;
    private byte[] _inflated = new byte[4096];

    public PerMessageDeflate(bool resetCompressor, bool resetDecompressor)
    {
        _resetCompressor = resetCompressor;
        _resetDecompressor = resetDecompressor;
    }

    /// <summary>Compresses one message; the result is valid until the next call.</summary>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> message)
    {
        _compressed.SetLength(0);
        _compressor ??= new DeflateStream(_compressed, CompressionLevel.Fastest, leaveOpen: true);
        _compressor.Write(message);
        _compressor.Flush();
        if (_resetCompressor)
        {
            _compressor.Dispose();
            _compressor = null;
        }

        var span = _compressed.GetBuffer().AsSpan(0, (int)_compressed.Length);
        if (span.EndsWith(Tail))
        {
            span = span[..^4];
        }

        return span.IsEmpty ? EmptyBlock : span;
    }

    /// <summary>Decompresses one message; the result is valid until the next call.</summary>
    /// <exception cref="WebSocketProtocolException">The data is not valid DEFLATE (1007) or inflates beyond <paramref name="maxSize"/> (1009).</exception>
    public ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> compressed, long maxSize)
    {
        _feed.Set(compressed, Tail);
        _decompressor ??= new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == _inflated.Length)
                {
                    if (length >= maxSize)
                    {
                        // One more byte would be too many: probe with a small read.
                        Span<byte> probe = stackalloc byte[1];
                        if (_decompressor.Read(probe) > 0)
                        {
                            throw new WebSocketProtocolException(WebSocketCloseCode.MessageTooBig, $"A compressed message inflates beyond the limit of {maxSize} bytes.");
                        }

                        break;
                    }

                    Array.Resize(ref _inflated, (int)Math.Min(maxSize, Math.Min(Array.MaxLength, (long)_inflated.Length * 2)));
                }

                var n = _decompressor.Read(_inflated.AsSpan(length));
                if (n == 0)
                {
                    break;
                }

                length += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.InvalidPayload, $"A compressed message is not valid DEFLATE data: {e.Message}");
        }

        if (_resetDecompressor)
        {
            _decompressor.Dispose();
            _decompressor = null;
        }

        return _inflated.AsSpan(0, length);
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        _decompressor?.Dispose();
    }

    /// <summary>
    /// Server side: picks the first acceptable offer from Sec-WebSocket-Extensions and returns the response value, or
    /// null to run without compression.
    /// </summary>
    public static string? Negotiate(string? offers, WebSocketOptions options, out PerMessageDeflate? deflate)
    {
        deflate = null;
        if (!options.Compression || string.IsNullOrEmpty(offers))
        {
            return null;
        }

        foreach (var offer in offers.Split(','))
        {
            var parts = offer.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var serverNoTakeover = options.ServerNoContextTakeover;
            var clientNoTakeover = options.ClientNoContextTakeover;
            var acceptable = true;
            foreach (var p in parts.AsSpan(1))
            {
                var eq = p.IndexOf('=');
                var name = (eq < 0 ? p : p[..eq]).Trim();
                var value = eq < 0 ? null : p[(eq + 1)..].Trim().Trim('"');
                switch (name.ToLowerInvariant())
                {
                    case "server_no_context_takeover":
                        serverNoTakeover = true;
                        break;
                    case "client_no_context_takeover":
                        clientNoTakeover = true;
                        break;
                    case "server_max_window_bits":
                        // We compress with a 15-bit window only.
                        acceptable &= value == "15";
                        break;
                    case "client_max_window_bits":
                        // Any client window inflates with our 15-bit window; we do not ask for a smaller one.
                        acceptable &= value is null || (int.TryParse(value, out var bits) && bits is >= 8 and <= 15);
                        break;
                    case "":
                        break;
                    default:
                        acceptable = false;
                        break;
                }
            }

            if (!acceptable)
            {
                continue;
            }

            var answer = new StringBuilder("permessage-deflate");
            if (serverNoTakeover)
            {
                answer.Append("; server_no_context_takeover");
            }

            if (clientNoTakeover)
            {
                answer.Append("; client_no_context_takeover");
            }

            deflate = new PerMessageDeflate(resetCompressor: serverNoTakeover, resetDecompressor: clientNoTakeover);
            return answer.ToString();
        }

        return null;
    }

    /// <summary>Client side: the offer to send.</summary>
    public static string? Offer(WebSocketOptions options)
    {
        if (!options.Compression)
        {
            return null;
        }

        var offer = "permessage-deflate";
        if (options.ServerNoContextTakeover)
        {
            offer += "; server_no_context_takeover";
        }

        if (options.ClientNoContextTakeover)
        {
            offer += "; client_no_context_takeover";
        }

        return offer;
    }

    /// <summary>Client side: checks the server's answer; null when the server declined compression.</summary>
    /// <exception cref="WebSocketProtocolException">The answer is not one the client can accept.</exception>
    public static PerMessageDeflate? Accept(string? answer, WebSocketOptions options)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return null;
        }

        if (!options.Compression)
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.MandatoryExtension, $"The server answered with extensions '{answer}' that were not offered.");
        }

        if (answer.Contains(','))
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.MandatoryExtension, $"The server answered with several extensions '{answer}'; only permessage-deflate was offered.");
        }

        var parts = answer.Split(';', StringSplitOptions.TrimEntries);
        if (!parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
        {
            throw new WebSocketProtocolException(WebSocketCloseCode.MandatoryExtension, $"The server answered with the extension '{parts[0]}', which was not offered.");
        }

        var serverNoTakeover = false;
        var clientNoTakeover = options.ClientNoContextTakeover;
        foreach (var p in parts.AsSpan(1))
        {
            var eq = p.IndexOf('=');
            var name = (eq < 0 ? p : p[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? null : p[(eq + 1)..].Trim().Trim('"');
            switch (name)
            {
                case "server_no_context_takeover":
                    serverNoTakeover = true;
                    break;
                case "client_no_context_takeover":
                    clientNoTakeover = true;
                    break;
                case "server_max_window_bits":
                    break;
                case "client_max_window_bits" when value == "15":
                    break;
                default:
                    throw new WebSocketProtocolException(WebSocketCloseCode.MandatoryExtension, $"The server's permessage-deflate parameter '{p}' is not supported (windows are 15 bits only).");
            }
        }

        return new PerMessageDeflate(resetCompressor: clientNoTakeover, resetDecompressor: serverNoTakeover);
    }

    /// <summary>A read-only stream over the current compressed message plus the sync-flush tail.</summary>
    private sealed class FeedStream : Stream
    {
        private byte[] _data = new byte[4096];
        private int _length;
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Set(ReadOnlySpan<byte> data, ReadOnlySpan<byte> tail)
        {
            if (_data.Length < data.Length + tail.Length)
            {
                _data = new byte[data.Length + tail.Length];
            }

            data.CopyTo(_data);
            tail.CopyTo(_data.AsSpan(data.Length));
            _length = data.Length + tail.Length;
            _position = 0;
        }

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _length - _position);
            _data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
