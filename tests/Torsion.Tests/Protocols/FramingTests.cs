using System.Text;
using Torsion.Protocols;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols;

public sealed class FramingTests
{
    internal sealed class OnlyLines : LineOnlyReceiver
    {
        public List<string> Received { get; } = [];

        public override void LineReceived(ReadOnlySpan<byte> line) => Received.Add(Encoding.Latin1.GetString(line));
    }

    internal sealed class Netstrings : NetstringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Encoding.Latin1.GetString(data));
    }

    internal sealed class Int8Strings : Int8StringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Encoding.Latin1.GetString(data));
    }

    internal sealed class Int16Strings : Int16StringReceiver
    {
        public List<string> Received { get; } = [];

        public override void StringReceived(ReadOnlySpan<byte> data) => Received.Add(Encoding.Latin1.GetString(data));
    }

    internal sealed class Int32Strings : Int32StringReceiver
    {
        public List<string> Received { get; } = [];

        public Action<Int32Strings, string>? OnString { get; init; }

        public override void StringReceived(ReadOnlySpan<byte> data)
        {
            var s = Encoding.Latin1.GetString(data);
            Received.Add(s);
            OnString?.Invoke(this, s);
        }
    }

    private static StringTransport Connect(IProtocol protocol)
    {
        var transport = new StringTransport();
        transport.Connect(protocol);
        return transport;
    }

    // LineOnlyReceiver

    [Fact]
    public void Line_only_receiver_delivers_lines()
    {
        var p = new OnlyLines();
        var t = Connect(p);
        p.DataReceived("a\r\nb"u8);
        p.DataReceived("c\r\n"u8);
        Assert.Equal(["a", "bc"], p.Received);
        p.SendLine("x"u8);
        Assert.Equal("x\r\n", t.ValueString());
    }

    [Fact]
    public void Line_only_receiver_too_long_line_closes_after_earlier_lines()
    {
        var p = new OnlyLines { MaxLength = 3 };
        var t = Connect(p);
        p.DataReceived("abc\r\nabcd\r\nlater\r\n"u8);
        Assert.Equal(["abc"], p.Received);
        Assert.True(t.Disconnecting);
        Assert.Equal("Line of 4 bytes exceeds MaxLength 3; the connection is closed.", p.ProtocolError!.Message);
        p.DataReceived("more\r\n"u8);
        Assert.Equal(["abc"], p.Received);
    }

    [Fact]
    public void Line_only_receiver_too_long_partial_line_closes()
    {
        var p = new OnlyLines { MaxLength = 3 };
        var t = Connect(p);
        p.DataReceived("abcd"u8);
        Assert.True(t.Disconnecting);
        Assert.IsType<LengthLimitExceededException>(p.ProtocolError);
    }

    // Netstrings

    [Fact]
    public void Netstrings_are_received_across_reads()
    {
        var p = new Netstrings();
        Connect(p);
        p.DataReceived("5:hel"u8);
        p.DataReceived("lo,0:,"u8);
        p.DataReceived("3"u8);
        p.DataReceived(":a,b,"u8);
        Assert.Equal(["hello", "", "a,b"], p.Received);
    }

    [Fact]
    public void Send_string_writes_a_netstring()
    {
        var p = new Netstrings();
        var t = Connect(p);
        p.SendString("hello"u8);
        p.SendString(""u8);
        Assert.Equal("5:hello,0:,", t.ValueString());
    }

    [Fact]
    public void Netstring_default_max_length_is_99999()
    {
        Assert.Equal(99999, new Netstrings().MaxLength);
    }

    [Theory]
    [InlineData("x:abc,", "The received netstring does not start with a length specification (got \"x:abc,\").")]
    [InlineData(":abc,", "The received netstring does not start with a length specification (got \":abc,\").")]
    [InlineData("-1:a,", "The received netstring does not start with a length specification (got \"-1:a,\").")]
    [InlineData("01:a,", "The received netstring does not start with a length specification (got \"01:a,\").")]
    [InlineData("3:abc;", "The received netstring is not terminated by a comma (got \";\" after 3 bytes).")]
    [InlineData("100000:", "The received netstring's length specification is longer than MaxLength 99999 allows.")]
    [InlineData("1000000", "The received netstring's length specification is longer than MaxLength 99999 allows.")]
    public void Malformed_netstring_closes_with_a_clear_error(string input, string message)
    {
        var p = new Netstrings();
        var t = Connect(p);
        p.DataReceived("2:ok,"u8);
        p.DataReceived(Encoding.ASCII.GetBytes(input));
        Assert.Equal(["ok"], p.Received);
        Assert.True(t.Disconnecting);
        Assert.Equal(message, Assert.IsType<NetstringParseException>(p.ProtocolError).Message);
        p.DataReceived("1:x,"u8);
        Assert.Equal(["ok"], p.Received);
    }

    [Fact]
    public void Netstring_over_a_smaller_max_length_is_refused()
    {
        var p = new Netstrings { MaxLength = 4 };
        var t = Connect(p);
        p.DataReceived("5:hello,"u8);
        Assert.True(t.Disconnecting);
        Assert.Equal("The received netstring is 5 bytes, longer than MaxLength 4.", p.ProtocolError!.Message);
    }

    // Length prefixes

    [Fact]
    public void Int8_strings_are_received_and_sent()
    {
        var p = new Int8Strings();
        var t = Connect(p);
        p.DataReceived([3, (byte)'a', (byte)'b']);
        p.DataReceived([(byte)'c', 0, 1]);
        p.DataReceived([(byte)'z']);
        Assert.Equal(["abc", "", "z"], p.Received);
        p.SendString("hi"u8);
        Assert.Equal(new byte[] { 2, (byte)'h', (byte)'i' }, t.Value());
    }

    [Fact]
    public void Int16_prefix_is_big_endian()
    {
        var p = new Int16Strings();
        var t = Connect(p);
        var payload = new string('x', 300);
        p.DataReceived([1, 44]);
        p.DataReceived(Encoding.ASCII.GetBytes(payload));
        Assert.Equal([payload], p.Received);
        p.SendString(Encoding.ASCII.GetBytes(payload));
        Assert.Equal(new byte[] { 1, 44 }, t.Value()[..2]);
    }

    [Fact]
    public void Int32_prefix_is_big_endian()
    {
        var p = new Int32Strings();
        var t = Connect(p);
        p.DataReceived([0, 0, 0, 2, (byte)'o', (byte)'k']);
        Assert.Equal(["ok"], p.Received);
        p.SendString("abc"u8);
        Assert.Equal(new byte[] { 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c' }, t.Value());
    }

    [Fact]
    public void Length_prefix_over_max_length_closes_after_earlier_strings()
    {
        var p = new Int32Strings();
        var t = Connect(p);
        p.DataReceived([0, 0, 0, 1, (byte)'a', 0, 1, 0x86, 0xA0, 0]);
        Assert.Equal(["a"], p.Received);
        Assert.True(t.Disconnecting);
        var error = Assert.IsType<LengthLimitExceededException>(p.ProtocolError);
        Assert.Equal("Length prefix announces a string of 100000 bytes exceeds MaxLength 99999; the connection is closed.", error.Message);
        Assert.Equal(100000, error.Length);
        p.DataReceived([0, 0, 0, 1, (byte)'b']);
        Assert.Equal(["a"], p.Received);
    }

    [Fact]
    public void Int16_prefix_over_a_smaller_max_length_is_refused()
    {
        var p = new Int16Strings { MaxLength = 10 };
        var t = Connect(p);
        p.DataReceived([0, 11]);
        Assert.True(t.Disconnecting);
        Assert.Equal(11, Assert.IsType<LengthLimitExceededException>(p.ProtocolError).Length);
    }

    [Fact]
    public void Send_string_refuses_strings_that_do_not_fit_the_prefix()
    {
        var p8 = new Int8Strings();
        var t8 = Connect(p8);
        p8.SendString(new byte[255]);
        var error = Assert.Throws<StringTooLongException>(() => p8.SendString(new byte[256]));
        Assert.Equal("Cannot send 256 bytes with a 1-byte length prefix: at most 255 bytes fit.", error.Message);
        Assert.Equal(256, t8.Value().Length);

        var p16 = new Int16Strings();
        Connect(p16);
        Assert.Throws<StringTooLongException>(() => p16.SendString(new byte[65536]));
    }

    [Fact]
    public void Int_prefix_receiver_can_pause_delivery()
    {
        var p = new Int32Strings { OnString = (self, s) => { if (s == "p") self.PauseProducing(); } };
        var t = Connect(p);
        p.DataReceived([0, 0, 0, 1, (byte)'p', 0, 0, 0, 1, (byte)'q']);
        Assert.Equal(["p"], p.Received);
        Assert.Equal(ProducerState.Paused, t.ProducerState);
        p.ResumeProducing();
        Assert.Equal(["p", "q"], p.Received);
    }

    // StatefulProtocol

    internal sealed class TypeLengthValue : StatefulProtocol
    {
        private byte _type;

        public List<string> Received { get; } = [];

        protected override (StateHandler Handler, int Length) GetInitialState() => (ReadType, 1);

        private (StateHandler, int)? ReadType(ReadOnlySpan<byte> data)
        {
            _type = data[0];
            return (ReadLength, 2);
        }

        private (StateHandler, int)? ReadLength(ReadOnlySpan<byte> data)
        {
            var length = (data[0] << 8) | data[1];
            if (length == 0)
            {
                Received.Add($"{(char)_type}:");
                return (ReadType, 1);
            }

            return (ReadValue, length);
        }

        private (StateHandler, int)? ReadValue(ReadOnlySpan<byte> data)
        {
            Received.Add($"{(char)_type}:{Encoding.Latin1.GetString(data)}");
            return (ReadType, 1);
        }
    }

    [Fact]
    public void Stateful_protocol_walks_its_states_across_reads()
    {
        var p = new TypeLengthValue();
        Connect(p);
        p.DataReceived([(byte)'a', 0]);
        p.DataReceived([3, (byte)'x', (byte)'y', (byte)'z', (byte)'b', 0, 0, (byte)'c']);
        Assert.Equal(["a:xyz", "b:"], p.Received);
        p.DataReceived([0, 1, (byte)'!']);
        Assert.Equal(["a:xyz", "b:", "c:!"], p.Received);
    }

    internal sealed class Staying : StatefulProtocol
    {
        public int Calls { get; private set; }

        protected override (StateHandler Handler, int Length) GetInitialState() => (Handle, 2);

        private (StateHandler, int)? Handle(ReadOnlySpan<byte> data)
        {
            Calls++;
            return null;
        }
    }

    [Fact]
    public void Stateful_handler_returning_null_stays_in_its_state()
    {
        var p = new Staying();
        Connect(p);
        p.DataReceived("abcde"u8);
        Assert.Equal(2, p.Calls);
        p.DataReceived("f"u8);
        Assert.Equal(3, p.Calls);
    }

    // FileSender

    private sealed class PushConsumer : IConsumer
    {
        public MemoryStream Written { get; } = new();

        public IProducer? Producer { get; private set; }

        public int PauseAfterBytes { get; set; } = int.MaxValue;

        public void RegisterProducer(IProducer producer, bool streaming) => Producer = producer;

        public void UnregisterProducer() => Producer = null;

        public void Write(ReadOnlySpan<byte> data)
        {
            Written.Write(data);
            if (Written.Length >= PauseAfterBytes)
            {
                PauseAfterBytes = int.MaxValue;
                ((IPushProducer)Producer!).PauseProducing();
            }
        }
    }

    [Fact]
    public async Task File_sender_pulls_chunk_by_chunk_and_completes_with_the_byte_count()
    {
        var data = Enumerable.Range(0, 10).Select(i => (byte)i).ToArray();
        var transport = new StringTransport();
        var sender = new FileSender(chunkSize: 4);
        var done = sender.BeginFileTransfer(new MemoryStream(data), transport);
        Assert.Same(sender, transport.Producer);
        Assert.False(transport.Streaming);
        Assert.Empty(transport.Value());
        transport.ResumeRegisteredProducer();
        Assert.Equal(data[..4], transport.Value());
        transport.ResumeRegisteredProducer();
        transport.ResumeRegisteredProducer();
        Assert.False(done.Called);
        transport.ResumeRegisteredProducer();
        Assert.Equal(data, transport.Value());
        Assert.Null(transport.Producer);
        Assert.Equal(10, await done.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(9, sender.LastByte);
    }

    [Fact]
    public async Task File_sender_as_push_producer_writes_until_paused_and_goes_on_when_resumed()
    {
        var data = new byte[100];
        Random.Shared.NextBytes(data);
        var consumer = new PushConsumer { PauseAfterBytes = 30 };
        var sender = new FileSender(chunkSize: 10);
        var done = sender.BeginFileTransfer(new MemoryStream(data), consumer, streaming: true);
        Assert.Equal(30, consumer.Written.Length);
        Assert.False(done.Called);
        sender.ResumeProducing();
        Assert.Equal(data, consumer.Written.ToArray());
        Assert.Equal(100, await done.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(consumer.Producer);
    }

    [Fact]
    public async Task File_sender_fails_when_the_consumer_stops_it()
    {
        var transport = new StringTransport();
        var sender = new FileSender(4);
        var done = sender.BeginFileTransfer(new MemoryStream(new byte[10]), transport);
        transport.ResumeRegisteredProducer();
        sender.StopProducing();
        var error = await Assert.ThrowsAsync<ConnectionLostException>(() => done.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("The consumer stopped the file transfer after 4 bytes.", error.Message);
    }

    [Fact]
    public async Task File_sender_reports_read_errors()
    {
        var transport = new StringTransport();
        var stream = new MemoryStream(new byte[10]);
        var sender = new FileSender(4);
        var done = sender.BeginFileTransfer(stream, transport);
        stream.Dispose();
        transport.ResumeRegisteredProducer();
        var error = await Assert.ThrowsAsync<IOException>(() => done.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.StartsWith("Reading the stream failed after 0 bytes", error.Message);
        Assert.Null(transport.Producer);
    }

    [Fact]
    public async Task Cancelling_the_transfer_stops_it_and_unregisters()
    {
        var transport = new StringTransport();
        var sender = new FileSender(4);
        var done = sender.BeginFileTransfer(new MemoryStream(new byte[10]), transport);
        transport.ResumeRegisteredProducer();
        done.Cancel();
        Assert.Null(transport.Producer);
        await Assert.ThrowsAsync<Torsion.Defer.CancelledException>(() => done.AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(4, sender.BytesSent);
    }

    [Fact]
    public void File_sender_is_used_once()
    {
        var sender = new FileSender();
        sender.BeginFileTransfer(new MemoryStream(), new StringTransport());
        var error = Assert.Throws<InvalidOperationException>(() => { _ = sender.BeginFileTransfer(new MemoryStream(), new StringTransport()); });
        Assert.Contains("new FileSender", error.Message);
    }

    [Fact]
    public void File_sender_streams_over_a_loopback_connection_under_flow_control()
    {
        var data = new byte[300_000];
        Random.Shared.NextBytes(data);
        var received = new MemoryStream();
        var server = new Sink(received);
        var client = new Sink(new MemoryStream());
        var pump = new LoopbackPump { HighWaterMark = 20_000, LowWaterMark = 5_000 };
        pump.Connect(server, client);
        var sender = new FileSender();
        var done = sender.BeginFileTransfer(new MemoryStream(data), client.Transport, streaming: true);
        Assert.True(pump.ClientTransport!.ProducerPaused);
        pump.Flush();
        Assert.Equal(data, received.ToArray());
        Assert.True(done.Called);
        Assert.Equal(300_000, sender.BytesSent);
    }

    private sealed class Sink(MemoryStream into) : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => into.Write(data);
    }
}
