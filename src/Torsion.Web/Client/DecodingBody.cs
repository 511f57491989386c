using System.IO.Compression;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Web.Client;

/// <summary>A body decoded from gzip, deflate or br as it streams (System.IO.Compression fed by pushes).</summary>
internal sealed class DecodingBody(IResponseBody inner, string coding, string response) : IResponseBody
{
    public void Deliver(IProtocol protocol) => inner.Deliver(new Decoder(protocol, coding, response));

    private sealed class Decoder(IProtocol target, string coding, string response) : IProtocol
    {
        private readonly FeedStream _feed = new();
        private readonly byte[] _output = new byte[16 * 1024];
        private Stream? _decoder;
        private ITransport? _transport;
        private bool _failed;

        public void MakeConnection(ITransport transport)
        {
            _transport = transport;
            target.MakeConnection(transport);
        }

        public void DataReceived(ReadOnlySpan<byte> data)
        {
            if (_failed)
            {
                return;
            }

            _feed.Append(data);
            Drain();
        }

        public void ConnectionLost(Exception reason)
        {
            if (_failed)
            {
                return;
            }

            if (reason is ResponseDoneException)
            {
                Drain();
                if (_failed)
                {
                    return;
                }
            }

            _decoder?.Dispose();
            target.ConnectionLost(reason);
        }

        private void Drain()
        {
            try
            {
                if (_decoder is null)
                {
                    if (_feed.Available < 2)
                    {
                        return;
                    }

                    _decoder = coding switch
                    {
                        "gzip" or "x-gzip" => new GZipStream(_feed, CompressionMode.Decompress),
                        "br" => new BrotliStream(_feed, CompressionMode.Decompress),
                        // RFC 9110 section 8.4.1.2: deflate means zlib; some servers send raw deflate (no zlib header).
                        _ => (_feed.Peek(0) & 0x0F) == 8 && ((_feed.Peek(0) << 8) | _feed.Peek(1)) % 31 == 0
                            ? new ZLibStream(_feed, CompressionMode.Decompress)
                            : new DeflateStream(_feed, CompressionMode.Decompress),
                    };
                }

                int n;
                while ((n = _decoder.Read(_output)) > 0)
                {
                    target.DataReceived(_output.AsSpan(0, n));
                }
            }
            catch (InvalidDataException e)
            {
                _failed = true;
                _transport?.StopProducing();
                target.ConnectionLost(new ResponseFailedException($"The {coding} body of {response} does not decode: {e.Message}", e));
            }
        }
    }

    /// <summary>Compressed bytes pushed in, read by the decoder; empty reads return 0 and the decoder resumes later.</summary>
    private sealed class FeedStream : Stream
    {
        private byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public int Available => _end - _start;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte Peek(int i) => _buffer[_start + i];

        public void Append(ReadOnlySpan<byte> data)
        {
            if (_end + data.Length > _buffer.Length)
            {
                var size = Available + data.Length;
                var target = size > _buffer.Length ? new byte[Math.Max(size, _buffer.Length * 2)] : _buffer;
                Buffer.BlockCopy(_buffer, _start, target, 0, Available);
                _buffer = target;
                _end = Available;
                _start = 0;
            }

            data.CopyTo(_buffer.AsSpan(_end));
            _end += data.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, Available);
            _buffer.AsSpan(_start, n).CopyTo(buffer);
            _start += n;
            if (_start == _end)
            {
                _start = _end = 0;
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
