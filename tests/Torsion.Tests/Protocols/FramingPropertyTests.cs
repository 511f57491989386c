using System.Buffers.Binary;
using CsCheck;
using Torsion.Protocols;
using Torsion.Testing;

namespace Torsion.Tests.Protocols;

/// <summary>For each framing: any split of the input into chunks yields the same messages.</summary>
public sealed class FramingPropertyTests
{
    private const int Iterations = 300;

    private static readonly Gen<int[]> Splits = Gen.Int[1, 12].Array[0, 60];

    private static readonly Gen<byte[]> Payload = Gen.Byte.Array[0, 40];

    private static readonly Gen<byte[]> LineBytes = Gen.Byte[0, 255].Where(b => b != '\r' && b != '\n').Array[0, 30];

    private static void Feed(Action<ReadOnlySpan<byte>> receive, byte[] input, int[] splits)
    {
        var pos = 0;
        foreach (var size in splits)
        {
            if (pos >= input.Length)
            {
                break;
            }

            var n = Math.Min(size, input.Length - pos);
            receive(input.AsSpan(pos, n));
            pos += n;
        }

        receive(input.AsSpan(pos));
    }

    private static string Show(byte[] bytes) => Convert.ToHexString(bytes);

    private sealed class Lines : LineReceiver
    {
        private int _rawLeft;
        private readonly MemoryStream _raw = new();

        public List<string> Events { get; } = [];

        public override void LineReceived(ReadOnlySpan<byte> line)
        {
            Events.Add("line:" + Convert.ToHexString(line));
            // A line "R" followed by one length byte switches to raw mode for that many bytes.
            if (line.Length == 2 && line[0] == 'R')
            {
                _rawLeft = line[1];
                if (_rawLeft > 0)
                {
                    SetRawMode();
                }
            }
        }

        public override void RawDataReceived(ReadOnlySpan<byte> data)
        {
            var n = Math.Min(_rawLeft, data.Length);
            _raw.Write(data[..n]);
            _rawLeft -= n;
            if (_rawLeft == 0)
            {
                Events.Add("raw:" + Convert.ToHexString(_raw.ToArray()));
                _raw.SetLength(0);
                SetLineMode(data[n..]);
            }
        }
    }

    [Fact]
    public void Line_receiver_with_raw_switches_is_split_independent()
    {
        // Messages: plain lines, and raw blocks introduced by an "R<n>" line.
        var message = Gen.OneOf(
            LineBytes.Where(l => l.Length == 0 || l[0] != 'R').Select(l => (Line: l, Raw: (byte[]?)null)),
            Gen.Byte.Array[1, 20].Select(raw => (Line: new byte[] { (byte)'R', (byte)raw.Length }, Raw: (byte[]?)raw)));
        Gen.Select(message.Array[0, 12], Splits).Sample((messages, splits) =>
        {
            var input = new MemoryStream();
            var expected = new List<string>();
            foreach (var (line, raw) in messages)
            {
                input.Write(line);
                input.Write("\r\n"u8);
                expected.Add("line:" + Show(line));
                if (raw is not null)
                {
                    input.Write(raw);
                    expected.Add("raw:" + Show(raw));
                }
            }

            var p = new Lines();
            new StringTransport().Connect(p);
            Feed(p.DataReceived, input.ToArray(), splits);
            Assert.Equal(expected, p.Events);
            Assert.Equal(0, p.BufferedLength);
        }, iter: Iterations);
    }

    private sealed class OnlyLines : LineOnlyReceiver
    {
        public List<string> Received { get; } = [];

        public override void LineReceived(ReadOnlySpan<byte> line) => Received.Add(Convert.ToHexString(line));
    }

    [Fact]
    public void Line_only_receiver_is_split_independent_with_any_delimiter()
    {
        var delimiters = Gen.OneOfConst("\r\n"u8.ToArray(), "\n"u8.ToArray(), "\0\0\0"u8.ToArray());
        Gen.Select(LineBytes.Array[0, 12], Splits, delimiters).Sample((lines, splits, delimiter) =>
        {
            var input = new MemoryStream();
            foreach (var line in lines)
            {
                var safe = line.Select(b => b == 0 ? (byte)1 : b).ToArray();
                input.Write(safe);
                input.Write(delimiter);
            }

            var p = new OnlyLines { Delimiter = delimiter };
            new StringTransport().Connect(p);
            Feed(p.DataReceived, input.ToArray(), splits);
            Assert.Equal(lines.Select(l => Show(l.Select(b => b == 0 ? (byte)1 : b).ToArray())), p.Received);
        }, iter: Iterations);
    }

    private sealed class Netstrings : NetstringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Convert.ToHexString(data));
    }

    [Fact]
    public void Netstring_receiver_is_split_independent()
    {
        Gen.Select(Payload.Array[0, 12], Splits).Sample((strings, splits) =>
        {
            var writer = new Netstrings();
            var encoded = new StringTransport();
            encoded.Connect(writer);
            foreach (var s in strings)
            {
                writer.SendString(s);
            }

            var p = new Netstrings();
            new StringTransport().Connect(p);
            Feed(p.DataReceived, encoded.Value(), splits);
            Assert.Equal(strings.Select(Show), p.Received);
            Assert.Null(p.ProtocolError);
        }, iter: Iterations);
    }

    private sealed class Int8 : Int8StringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Convert.ToHexString(data));
    }

    private sealed class Int16 : Int16StringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Convert.ToHexString(data));
    }

    private sealed class Int32 : Int32StringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Convert.ToHexString(data));
    }

    private static List<string> Received(IntNStringReceiver p) => p switch
    {
        Int8 a => a.Received,
        Int16 b => b.Received,
        Int32 c => c.Received,
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Length_prefixed_receivers_are_split_independent(int prefix)
    {
        IntNStringReceiver Make() => prefix switch { 1 => new Int8(), 2 => new Int16(), _ => new Int32() };
        Gen.Select(Payload.Array[0, 12], Splits).Sample((strings, splits) =>
        {
            var writer = Make();
            var encoded = new StringTransport();
            encoded.Connect(writer);
            foreach (var s in strings)
            {
                writer.SendString(s);
            }

            var p = Make();
            new StringTransport().Connect(p);
            Feed(p.DataReceived, encoded.Value(), splits);
            Assert.Equal(strings.Select(Show), Received(p));
        }, iter: Iterations);
    }

    private sealed class Tlv : StatefulProtocol
    {
        public List<string> Received { get; } = [];

        protected override (StateHandler Handler, int Length) GetInitialState() => (ReadLength, 2);

        private (StateHandler, int)? ReadLength(ReadOnlySpan<byte> data)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(data);
            if (length == 0)
            {
                Received.Add("");
                return null;
            }

            return (ReadValue, length);
        }

        private (StateHandler, int)? ReadValue(ReadOnlySpan<byte> data)
        {
            Received.Add(Convert.ToHexString(data));
            return (ReadLength, 2);
        }
    }

    [Fact]
    public void Stateful_protocol_is_split_independent()
    {
        Gen.Select(Payload.Array[0, 12], Splits).Sample((strings, splits) =>
        {
            var input = new MemoryStream();
            foreach (var s in strings)
            {
                input.Write([(byte)(s.Length >> 8), (byte)s.Length]);
                input.Write(s);
            }

            var p = new Tlv();
            new StringTransport().Connect(p);
            Feed(p.DataReceived, input.ToArray(), splits);
            Assert.Equal(strings.Select(Show), p.Received);
        }, iter: Iterations);
    }

    [Fact]
    public void Loopback_pump_chunking_does_not_change_lines()
    {
        Gen.Select(LineBytes.Array[0, 10], Gen.Int[1, 7]).Sample((lines, chunk) =>
        {
            var server = new OnlyLines();
            var client = new OnlyLines();
            var pump = new LoopbackPump { MaxChunkSize = chunk };
            pump.Connect(server, client);
            foreach (var line in lines)
            {
                client.SendLine(line);
            }

            pump.Flush();
            Assert.Equal(lines.Select(Show), server.Received);
        }, iter: 100);
    }
}
