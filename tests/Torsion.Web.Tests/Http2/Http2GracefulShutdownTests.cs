using Torsion.Web.Http;
using Torsion.Web.Http2;
using Torsion.Web.Tests.Http;

namespace Torsion.Web.Tests.Http2;

/// <summary>
/// The server's two-step GOAWAY (RFC 9113 section 6.8): GOAWAY 2^31-1 with a PING, then the final GOAWAY when the PING's
/// ACK arrives or after <see cref="Http2Limits.ShutdownPingTimeout"/>; and the SETTINGS acknowledgement timeout
/// (section 6.5.3). Driven by a Clock on a StringTransport.
/// </summary>
public sealed class Http2GracefulShutdownTests
{
    private static HttpServerOptions Options(Http2Limits? limits = null, TimeSpan? idle = null) => new()
    {
        TimeProvider = new FixedTime(FixedTime.Moment),
        IdleTimeout = idle ?? TimeSpan.FromHours(1),
        Http2 = limits ?? new Http2Limits(),
    };

    private static List<Http2PeerHarness.Received> GoAways(List<Http2PeerHarness.Received> frames) =>
        frames.Where(f => f.Header.Type == Http2FrameType.GoAway).ToList();

    /// <summary>Starts the shutdown and returns the opaque data of the PING sent with the first GOAWAY.</summary>
    private static byte[] StartShutdown(Http2Harness h)
    {
        h.Read();
        h.Protocol.Shutdown();
        var frames = h.Read();
        Assert.Equal(2, frames.Count);
        Assert.Equal(Http2FrameType.GoAway, frames[0].Header.Type);
        Assert.Equal((int.MaxValue, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(frames[0]));
        Assert.Equal(Http2FrameType.Ping, frames[1].Header.Type);
        Assert.False(frames[1].Header.Has(Http2FrameFlags.Ack));
        Assert.Equal(8, frames[1].Payload.Length);
        return frames[1].Payload;
    }

    [Fact]
    public void Shutdown_first_sends_goaway_with_the_largest_stream_id_and_a_ping()
    {
        var h = new Http2Harness((request, response) => { }, Options());
        h.Get(1);
        StartShutdown(h);
        Assert.False(h.Transport.Disconnecting);
        Assert.Null(h.Protocol.GoAwayCode);
        Assert.Equal(1, h.Protocol.ActiveStreams);
    }

    [Fact]
    public void The_ping_ack_sends_the_final_goaway_with_the_last_stream_id()
    {
        var responses = new List<HttpServerResponse>();
        var h = new Http2Harness((request, response) => responses.Add(response), Options());
        h.Get(1);
        var ping = StartShutdown(h);
        h.Get(3);
        h.PingAck(ping);
        var goAway = Assert.Single(GoAways(h.Read()));
        Assert.Equal((3, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(goAway));
        Assert.Equal(Http2ErrorCode.NoError, h.Protocol.GoAwayCode);

        // After the final GOAWAY a new stream is ignored; the two open ones finish and the connection closes.
        h.Get(5);
        Assert.Equal(2, responses.Count);
        Assert.Equal(2, h.Protocol.ActiveStreams);
        responses[0].Finish();
        Assert.False(h.Transport.Disconnecting);
        responses[1].Finish();
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void A_stream_opened_between_the_two_goaways_is_answered()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options());
        var ping = StartShutdown(h);
        h.Get(1);
        var frames = h.Read();
        var head = Assert.Single(frames, f => f.Header.Type == Http2FrameType.Headers);
        Assert.Equal(1, head.Header.StreamId);
        Assert.Equal("200", head.Field(":status"));
        Assert.Equal("Hello, World!", Assert.Single(frames, f => f.Header.Type == Http2FrameType.Data).Text);

        // No stream is open, but the server waits for the PING's ACK (the client may have sent more) before it closes.
        Assert.False(h.Transport.Disconnecting);
        h.PingAck(ping);
        Assert.Equal((1, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(Assert.Single(GoAways(h.Read()))));
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void Without_a_ping_ack_the_final_goaway_comes_after_the_ping_timeout()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options());
        h.Get(1);
        StartShutdown(h);
        h.Clock.Advance(TimeSpan.FromSeconds(0.9));
        Assert.Empty(h.Read());
        Assert.False(h.Transport.Disconnecting);
        h.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal((1, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(Assert.Single(GoAways(h.Read()))));
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void The_ping_timeout_is_a_limit()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(new Http2Limits { ShutdownPingTimeout = TimeSpan.FromSeconds(3) }));
        StartShutdown(h);
        h.Clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Empty(h.Read());
        h.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal((0, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(Assert.Single(GoAways(h.Read()))));
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void A_ping_ack_with_other_data_does_not_end_the_first_step()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options());
        StartShutdown(h);
        h.PingAck("12345678"u8);
        Assert.Empty(h.Read());
        Assert.False(h.Transport.Disconnecting);
    }

    [Fact]
    public void A_second_shutdown_sends_nothing_more()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options());
        var ping = StartShutdown(h);
        h.Protocol.Shutdown();
        Assert.Empty(h.Read());
        h.PingAck(ping);
        Assert.Single(GoAways(h.Read()));
        h.Protocol.Shutdown();
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(h.Read());
    }

    [Fact]
    public void A_connection_error_between_the_two_goaways_is_one_goaway_with_its_code()
    {
        var h = new Http2Harness((request, response) => { }, Options());
        h.Get(1);
        StartShutdown(h);
        h.Get(2); // a client may not open an even stream
        var goAway = Assert.Single(GoAways(h.Read()));
        Assert.Equal((1, Http2ErrorCode.ProtocolError), Http2PeerHarness.GoAwayOf(goAway));
        Assert.True(h.Transport.Disconnecting);

        // The PING timer does not send another GOAWAY afterwards.
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Read());
    }

    [Fact]
    public void The_idle_timeout_still_sends_one_goaway()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(idle: TimeSpan.FromSeconds(30)));
        h.Get(1);
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(30));
        var frames = h.Read();
        Assert.Equal((1, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(Assert.Single(frames)));
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void The_idle_timeout_does_not_fire_between_the_two_goaways()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(new Http2Limits { ShutdownPingTimeout = TimeSpan.FromSeconds(20) }, TimeSpan.FromSeconds(5)));
        StartShutdown(h);
        h.Get(1);
        h.Read();
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(GoAways(h.Read()));
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((1, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(Assert.Single(GoAways(h.Read()))));
    }

    [Fact]
    public void A_connection_lost_between_the_two_goaways_stops_the_ping_wait()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options());
        StartShutdown(h);
        h.Protocol.ConnectionLost(new Torsion.Transports.ConnectionDoneException("The client closed."));
        Assert.Empty(h.Clock.PendingCalls);
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Read());
    }

    [Fact]
    public void A_connection_lost_before_the_settings_ack_stops_the_settings_wait()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(), handshake: false);
        h.Read();
        h.Protocol.ConnectionLost(new Torsion.Transports.ConnectionDoneException("The client closed."));
        Assert.Empty(h.Clock.PendingCalls);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(h.Read());
    }

    [Fact]
    public void No_settings_ack_closes_the_connection_with_settings_timeout()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(), handshake: false);
        h.Send(Http2ServerProtocol.Preface.ToArray());
        h.Settings();
        h.Get(1);
        h.Clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(h.Transport.Disconnecting);
        h.Clock.Advance(TimeSpan.FromSeconds(0.1));
        var goAway = h.Read().Last(f => f.Header.Type == Http2FrameType.GoAway);
        Assert.Equal((1, Http2ErrorCode.SettingsTimeout), Http2PeerHarness.GoAwayOf(goAway));
        Assert.Contains("SettingsTimeout", goAway.Text[8..], StringComparison.Ordinal);
        Assert.True(h.Transport.Disconnecting);
        Assert.Equal(Http2ErrorCode.SettingsTimeout, h.Protocol.GoAwayCode);
    }

    [Fact]
    public void A_client_that_sends_nothing_gets_settings_timeout()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(), handshake: false);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        h.AssertGoAway(Http2ErrorCode.SettingsTimeout);
    }

    [Fact]
    public void A_settings_ack_in_time_keeps_the_connection_open()
    {
        var h = new Http2Harness(Http2Harness.Hello, Options(), handshake: false);
        h.Send(Http2ServerProtocol.Preface.ToArray());
        h.Settings();
        h.Clock.Advance(TimeSpan.FromSeconds(9));
        h.SettingsAck();
        h.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(h.Transport.Disconnecting);
        Assert.Empty(GoAways(h.Read()));
    }

    [Fact]
    public void The_settings_timeout_is_a_limit_and_zero_disables_it()
    {
        var custom = new Http2Harness(Http2Harness.Hello, Options(new Http2Limits { SettingsTimeout = TimeSpan.FromSeconds(2) }), handshake: false);
        custom.Clock.Advance(TimeSpan.FromSeconds(2));
        custom.AssertGoAway(Http2ErrorCode.SettingsTimeout);

        var off = new Http2Harness(Http2Harness.Hello, Options(new Http2Limits { SettingsTimeout = TimeSpan.Zero }), handshake: false);
        off.Send(Http2ServerProtocol.Preface.ToArray());
        off.Settings();
        off.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(off.Transport.Disconnecting);
    }
}
