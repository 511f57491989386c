using System.Text;
using Torsion.Protocols.Wire;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Wire;

public sealed class WireProtocolTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void Echo_sends_back_what_it_receives()
    {
        var transport = new StringTransport();
        var echo = new EchoProtocol();
        transport.Connect(echo);
        echo.DataReceived("hello"u8);
        echo.DataReceived(" world"u8);
        Assert.Equal("hello world", transport.ValueString());
        Assert.False(transport.Disconnecting);
    }

    [Fact]
    public void Echo_stops_reading_while_its_writes_are_paused()
    {
        var transport = new StringTransport();
        transport.Connect(new EchoProtocol());
        Assert.True(transport.Streaming);
        transport.PauseRegisteredProducer();
        Assert.Equal(ProducerState.Paused, transport.ProducerState);
        transport.ResumeRegisteredProducer();
        Assert.Equal(ProducerState.Producing, transport.ProducerState);
    }

    [Fact]
    public void Echo_over_loopback_with_a_slow_reader_holds_back_the_writer()
    {
        var server = new EchoProtocol();
        var client = new Torsion.Tests.Protocols.Policies.Recorder();
        var pump = new LoopbackPump { HighWaterMark = 100, LowWaterMark = 10 };
        pump.Connect(server, client);
        client.Transport.PauseProducing();
        client.Transport.Write(new byte[150]);
        pump.Flush();
        Assert.True(pump.ServerTransport!.ReadingPaused);
        client.Transport.Write(new byte[50]);
        pump.Flush();
        Assert.Equal(50, pump.ClientTransport!.PendingBytes);
        client.Transport.ResumeProducing();
        pump.Flush();
        Assert.Equal(200, client.Received.Length);
    }

    [Fact]
    public void Discard_sends_nothing_and_counts()
    {
        var transport = new StringTransport();
        var discard = new DiscardProtocol();
        transport.Connect(discard);
        discard.DataReceived("anything"u8);
        Assert.Empty(transport.Value());
        Assert.Equal(8, discard.BytesDiscarded);
    }

    [Fact]
    public void Chargen_sends_the_rfc_864_pattern()
    {
        var cycle = Encoding.ASCII.GetString(ChargenProtocol.Cycle);
        var lines = cycle.Split("\r\n")[..^1];
        Assert.Equal(95, lines.Length);
        Assert.Equal(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg", lines[0]);
        Assert.Equal("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh", lines[1]);
        Assert.Equal("~ !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdef", lines[94]);
        Assert.All(lines, l => Assert.Equal(72, l.Length));
    }

    [Fact]
    public void Chargen_writes_in_turns_until_paused_and_goes_on_when_resumed()
    {
        var clock = new Clock();
        var transport = new StringTransport();
        var chargen = new ChargenProtocol(clock, bytesPerTurn: 10_000, turnDelay: TimeSpan.FromMilliseconds(1));
        transport.Connect(chargen);
        Assert.Same(chargen, transport.Producer);
        Assert.True(transport.Streaming);
        Assert.Equal(10_000, transport.Value().Length);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(20_000, transport.Value().Length);
        var expected = string.Concat(Enumerable.Repeat(Encoding.ASCII.GetString(ChargenProtocol.Cycle), 3))[..20_000];
        Assert.Equal(expected, transport.ValueString());

        transport.PauseRegisteredProducer();
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(20_000, transport.Value().Length);
        Assert.Empty(clock.PendingCalls);

        transport.ResumeRegisteredProducer();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(30_000, transport.Value().Length);
    }

    [Fact]
    public void Chargen_stops_when_the_connection_is_lost()
    {
        var clock = new Clock();
        var transport = new StringTransport();
        var chargen = new ChargenProtocol(clock, 100, TimeSpan.FromMilliseconds(1));
        transport.Connect(chargen);
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Empty(clock.PendingCalls);
        chargen.ResumeProducing();
        Assert.Empty(clock.PendingCalls);
    }

    [Fact]
    public void Chargen_over_loopback_is_paused_by_the_water_marks()
    {
        var clock = new Clock();
        var chargen = new ChargenProtocol(clock, bytesPerTurn: 1000, turnDelay: TimeSpan.FromMilliseconds(1));
        var client = new Torsion.Tests.Protocols.Policies.Recorder();
        var pump = new LoopbackPump { HighWaterMark = 2500, LowWaterMark = 500 };
        pump.Connect(chargen, client, greet: false);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(pump.ServerTransport!.ProducerPaused);
        Assert.Empty(clock.PendingCalls);
        pump.Pump();
        Assert.False(pump.ServerTransport.ProducerPaused);
        Assert.Single(clock.PendingCalls);
    }

    [Fact]
    public void Daytime_sends_the_date_line_and_closes()
    {
        var transport = new StringTransport();
        transport.Connect(new DaytimeProtocol(new FixedTime(new DateTimeOffset(2026, 11, 25, 22, 54, 4, TimeSpan.Zero))));
        Assert.Equal("Wednesday, November 25, 2026 22:54:04-UTC\r\n", transport.ValueString());
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void Time_sends_seconds_since_1900_big_endian_and_closes()
    {
        var transport = new StringTransport();
        // 1970-01-01 is 2208988800 seconds after 1900-01-01 (RFC 868).
        transport.Connect(new TimeProtocol(new FixedTime(DateTimeOffset.UnixEpoch)));
        Assert.Equal(new byte[] { 0x83, 0xAA, 0x7E, 0x80 }, transport.Value());
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void Time_wraps_after_2036()
    {
        Assert.Equal(2208988800u, TimeProtocol.SecondsSince1900(DateTimeOffset.UnixEpoch));
        Assert.Equal(0u, TimeProtocol.SecondsSince1900(new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero)));
        Assert.Equal(1u, TimeProtocol.SecondsSince1900(new DateTimeOffset(2036, 2, 7, 6, 28, 17, TimeSpan.Zero)));
    }

    [Fact]
    public void Qotd_sends_the_quote_and_closes()
    {
        var transport = new StringTransport();
        transport.Connect(new QotdProtocol());
        Assert.Equal("An apple a day keeps the doctor away.\r\n", transport.ValueString());
        Assert.True(transport.Disconnecting);

        var other = new StringTransport();
        other.Connect(new QotdProtocol(() => "Be brief.\r\n"));
        Assert.Equal("Be brief.\r\n", other.ValueString());
    }
}
