using System.Text;
using Torsion.Protocols;
using Torsion.Testing;

namespace Torsion.Tests.Protocols;

public sealed class LineReceiverTests
{
    internal sealed class Lines : LineReceiver
    {
        public List<string> Received { get; } = [];

        public Action<Lines, string>? OnLine { get; init; }

        public Action<Lines, string>? OnRaw { get; init; }

        public override void LineReceived(ReadOnlySpan<byte> line)
        {
            var text = Encoding.Latin1.GetString(line);
            Received.Add(text);
            OnLine?.Invoke(this, text);
        }

        public override void RawDataReceived(ReadOnlySpan<byte> data)
        {
            var text = Encoding.Latin1.GetString(data);
            Received.Add("raw:" + text);
            OnRaw?.Invoke(this, text);
        }
    }

    private static (Lines, StringTransport) Connect(Lines? protocol = null)
    {
        protocol ??= new Lines();
        var transport = new StringTransport();
        transport.Connect(protocol);
        return (protocol, transport);
    }

    [Fact]
    public void Lines_split_on_crlf_across_reads()
    {
        var (p, _) = Connect();
        p.DataReceived("hel"u8);
        p.DataReceived("lo\r"u8);
        p.DataReceived("\nworld\r\nmore"u8);
        Assert.Equal(["hello", "world"], p.Received);
        Assert.Equal(4, p.BufferedLength);
        p.DataReceived("\r\n"u8);
        Assert.Equal(["hello", "world", "more"], p.Received);
        Assert.Equal(0, p.BufferedLength);
    }

    [Fact]
    public void Delimiter_can_be_changed()
    {
        var (p, t) = Connect();
        p.Delimiter = "\n"u8;
        p.DataReceived("a\nb\r\n"u8);
        Assert.Equal(["a", "b\r"], p.Received);
        p.SendLine("out"u8);
        Assert.Equal("out\n", t.ValueString());
    }

    [Fact]
    public void Empty_delimiter_is_refused()
    {
        var p = new Lines();
        Assert.Throws<ArgumentException>(() => p.Delimiter = ReadOnlySpan<byte>.Empty);
    }

    [Fact]
    public void Send_line_appends_crlf()
    {
        var (p, t) = Connect();
        p.SendLine("hello"u8);
        Assert.Equal("hello\r\n", t.ValueString());
    }

    [Fact]
    public void Too_long_line_is_reported_and_closes_the_connection_after_earlier_lines()
    {
        var (p, t) = Connect();
        p.MaxLength = 5;
        p.DataReceived("ok\r\ntoolong\r\nnever\r\n"u8);
        Assert.Equal(["ok"], p.Received);
        Assert.True(t.Disconnecting);
        var error = Assert.IsType<LengthLimitExceededException>(p.ProtocolError);
        Assert.Equal("Line of 16 bytes exceeds MaxLength 5; the connection is closed.", error.Message);
        p.DataReceived("late\r\n"u8);
        Assert.Equal(["ok"], p.Received);
    }

    [Fact]
    public void Too_long_partial_line_is_refused_before_its_delimiter_arrives()
    {
        var (p, t) = Connect();
        p.MaxLength = 5;
        p.DataReceived("123456"u8);
        Assert.False(t.Disconnecting);
        p.DataReceived("7"u8);
        Assert.True(t.Disconnecting);
        Assert.Equal(7, Assert.IsType<LengthLimitExceededException>(p.ProtocolError).Length);
        Assert.Empty(p.Received);
    }

    [Fact]
    public void Line_of_exactly_max_length_is_accepted()
    {
        var (p, t) = Connect();
        p.MaxLength = 5;
        p.DataReceived("12345\r\n"u8);
        Assert.Equal(["12345"], p.Received);
        Assert.False(t.Disconnecting);
    }

    [Fact]
    public void Default_max_length_is_16384()
    {
        Assert.Equal(16384, new Lines().MaxLength);
        Assert.Equal(16384, LineReceiver.DefaultMaxLength);
    }

    [Fact]
    public void Raw_mode_set_inside_line_received_gets_the_rest_of_the_buffer()
    {
        var (p, _) = Connect(new Lines { OnLine = (self, line) => { if (line == "RAW") self.SetRawMode(); } });
        p.DataReceived("one\r\nRAW\r\nthis is\r\nraw"u8);
        Assert.Equal(["one", "RAW", "raw:this is\r\nraw"], p.Received);
        p.DataReceived("x\r\n"u8);
        Assert.Equal("raw:x\r\n", p.Received[^1]);
    }

    [Fact]
    public void Line_mode_set_inside_raw_data_received_parses_the_extra_bytes_as_lines()
    {
        var p = new Lines
        {
            OnLine = (self, line) => { if (line == "RAW") self.SetRawMode(); },
            OnRaw = (self, raw) =>
            {
                // Take 4 raw bytes, give the rest back as lines.
                if (raw.Length > 4)
                {
                    self.SetLineMode(Encoding.Latin1.GetBytes(raw[4..]));
                }
            },
        };
        Connect(p);
        p.DataReceived("RAW\r\n1234after\r\nnext\r\n"u8);
        Assert.Equal(["RAW", "raw:1234after\r\nnext\r\n", "after", "next"], p.Received);
        Assert.True(p.LineMode);
    }

    [Fact]
    public void Switching_mode_repeatedly_in_one_read_loses_no_bytes()
    {
        var p = new Lines
        {
            OnLine = (self, line) => { if (line.StartsWith("RAW", StringComparison.Ordinal)) self.SetRawMode(); },
            OnRaw = (self, raw) => self.SetLineMode(Encoding.Latin1.GetBytes(raw[1..])),
        };
        Connect(p);
        p.DataReceived("RAW\r\nXa\r\nRAW\r\nYb\r\n"u8);
        Assert.Equal(["RAW", "raw:Xa\r\nRAW\r\nYb\r\n", "a", "RAW", "raw:Yb\r\n", "b"], p.Received);
    }

    [Fact]
    public void Raw_mode_without_override_fails_clearly()
    {
        var p = new OnlyLines();
        new StringTransport().Connect(p);
        p.SetRawMode();
        var error = Assert.Throws<InvalidOperationException>(() => p.DataReceived("x"u8));
        Assert.Contains("RawDataReceived", error.Message);
    }

    private sealed class OnlyLines : LineReceiver
    {
        public override void LineReceived(ReadOnlySpan<byte> line)
        {
        }
    }

    [Fact]
    public void Pausing_inside_line_received_holds_buffered_lines_until_resumed()
    {
        var (p, t) = Connect(new Lines { OnLine = (self, line) => { if (line == "slow") self.PauseProducing(); } });
        p.DataReceived("a\r\nslow\r\nb\r\nc\r\n"u8);
        Assert.Equal(["a", "slow"], p.Received);
        Assert.True(p.Paused);
        Assert.Equal(ProducerState.Paused, t.ProducerState);
        p.DataReceived("d\r\n"u8);
        Assert.Equal(["a", "slow"], p.Received);
        p.ResumeProducing();
        Assert.Equal(["a", "slow", "b", "c", "d"], p.Received);
        Assert.Equal(ProducerState.Producing, t.ProducerState);
    }

    [Fact]
    public void Resuming_from_inside_line_received_continues_the_same_loop()
    {
        var (p, _) = Connect(new Lines
        {
            OnLine = (self, line) =>
            {
                if (line == "slow")
                {
                    self.PauseProducing();
                    self.ResumeProducing();
                }
            },
        });
        p.DataReceived("slow\r\nafter\r\n"u8);
        Assert.Equal(["slow", "after"], p.Received);
    }

    [Fact]
    public void No_lines_are_delivered_after_connection_lost()
    {
        var transport = new StringTransport { ReportsConnectionLost = true };
        var p = new Lines { OnLine = (self, line) => { if (line == "quit") self.Transport.AbortConnection(); } };
        transport.Connect(p);
        p.DataReceived("a\r\nquit\r\nb\r\n"u8);
        Assert.Equal(["a", "quit"], p.Received);
    }

    [Fact]
    public void Lines_arriving_whole_leave_no_buffer()
    {
        var (p, _) = Connect();
        p.DataReceived("a\r\nb\r\n"u8);
        Assert.Equal(0, p.BufferedLength);
    }
}
