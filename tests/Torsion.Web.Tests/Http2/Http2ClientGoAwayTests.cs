using Torsion.Defer;
using Torsion.Testing;
using Torsion.Web.Client;
using Torsion.Web.Http2;

namespace Torsion.Web.Tests.Http2;

/// <summary>
/// The HTTP/2 client against a server that shuts down in two steps (RFC 9113 section 6.8), and the client's SETTINGS
/// acknowledgement timeout (section 6.5.3), on a StringTransport with a Clock.
/// </summary>
public sealed class Http2ClientGoAwayTests
{
    private static T Result<T>(Deferred<T> deferred) => DeferredResults.SuccessResultOf(deferred);

    private static Exception Failure<T>(Deferred<T> deferred) => DeferredResults.FailureResultOf(deferred);

    private static void FirstGoAway(Http2ClientHarness h)
    {
        h.GoAway(int.MaxValue, Http2ErrorCode.NoError);
        h.Frame(Http2FrameType.Ping, 0, 0, "shutdown"u8);
    }

    [Fact]
    public void A_first_goaway_with_the_largest_id_takes_no_new_request_and_lets_the_streams_sent_finish()
    {
        var h = new Http2ClientHarness();
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        h.Read();
        FirstGoAway(h);
        Assert.False(h.Protocol.IsUsable);
        Assert.False(a.Called);
        Assert.False(b.Called);
        Assert.IsType<RequestNotProcessedException>(Failure(h.Request("GET", "/c")));

        // The PING is answered, so the server learns the client saw the first GOAWAY.
        var ack = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.Ping);
        Assert.True(ack.Header.Has(Http2FrameFlags.Ack));
        Assert.Equal("shutdown", ack.Text);

        h.Respond(1, 200, true);
        Assert.Equal(200, Result(a).StatusCode);
        Assert.False(h.Transport.Disconnecting);
        h.Respond(3, 200, true);
        Assert.Equal(200, Result(b).StatusCode);
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void A_second_goaway_lowering_the_id_fails_the_streams_above_it_as_not_processed()
    {
        var h = new Http2ClientHarness();
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        var c = h.Request("GET", "/c");
        FirstGoAway(h);
        h.GoAway(3, Http2ErrorCode.NoError);
        var error = Assert.IsType<RequestNotProcessedException>(Failure(c));
        Assert.Contains("last stream 3", error.Message, StringComparison.Ordinal);
        Assert.False(a.Called);
        Assert.False(b.Called);
        h.Respond(1, 200, true);
        h.Respond(3, 200, true);
        Assert.Equal(200, Result(a).StatusCode);
        Assert.Equal(200, Result(b).StatusCode);
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void Requests_waiting_for_a_stream_fail_as_not_processed_at_the_first_goaway()
    {
        var h = new Http2ClientHarness();
        h.Settings((Http2SettingId.MaxConcurrentStreams, 1));
        var a = h.Request("GET", "/a");
        var b = h.Request("GET", "/b");
        FirstGoAway(h);
        Assert.IsType<RequestNotProcessedException>(Failure(b));
        h.Respond(1, 200, true);
        Assert.Equal(200, Result(a).StatusCode);
    }

    [Fact]
    public void A_first_goaway_on_an_idle_connection_closes_it()
    {
        var h = new Http2ClientHarness();
        FirstGoAway(h);
        Assert.False(h.Protocol.IsUsable);
        Assert.True(h.Transport.Disconnecting);
    }

    [Fact]
    public void The_client_goaway_names_stream_zero()
    {
        var h = new Http2ClientHarness();
        var a = h.Request("GET", "/a");
        h.Respond(1, 200, true);
        Assert.Equal(200, Result(a).StatusCode);
        h.Read();
        h.Protocol.CloseIfUnused();
        var goAway = Assert.Single(h.Read(), f => f.Header.Type == Http2FrameType.GoAway);
        Assert.Equal((0, Http2ErrorCode.NoError), Http2PeerHarness.GoAwayOf(goAway));
    }

    [Fact]
    public void No_settings_ack_closes_the_connection_with_settings_timeout()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Settings();
        var d = h.Request("GET", "/");
        h.Clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(h.Transport.Disconnecting);
        Assert.False(d.Called);
        h.Clock.Advance(TimeSpan.FromSeconds(0.1));
        h.AssertGoAway(Http2ErrorCode.SettingsTimeout);
        var error = Assert.IsType<ResponseFailedException>(Failure(d));
        Assert.Contains("SettingsTimeout", error.Message, StringComparison.Ordinal);
        Assert.False(h.Protocol.IsUsable);
    }

    [Fact]
    public void A_server_that_sends_nothing_gets_settings_timeout()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        h.AssertGoAway(Http2ErrorCode.SettingsTimeout);
    }

    [Fact]
    public void A_connection_lost_before_the_settings_ack_stops_the_settings_wait()
    {
        var h = new Http2ClientHarness(handshake: false);
        h.Protocol.ConnectionLost(new Torsion.Transports.ConnectionDoneException("The server closed."));
        Assert.Empty(h.Clock.PendingCalls);
    }

    [Fact]
    public void A_settings_ack_in_time_keeps_the_connection_open()
    {
        var h = new Http2ClientHarness(new AgentOptions { IdleTimeout = TimeSpan.FromHours(1) }, handshake: false);
        h.Settings();
        h.Clock.Advance(TimeSpan.FromSeconds(9));
        h.SettingsAck();
        h.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(h.Transport.Disconnecting);
        Assert.True(h.Protocol.IsUsable);
    }

    [Fact]
    public void The_client_settings_timeout_is_a_limit_and_zero_disables_it()
    {
        var custom = new Http2ClientHarness(new AgentOptions { Http2 = new Http2Limits { SettingsTimeout = TimeSpan.FromSeconds(3) } }, handshake: false);
        custom.Clock.Advance(TimeSpan.FromSeconds(3));
        custom.AssertGoAway(Http2ErrorCode.SettingsTimeout);

        var off = new Http2ClientHarness(new AgentOptions { IdleTimeout = TimeSpan.FromHours(1), Http2 = new Http2Limits { SettingsTimeout = TimeSpan.Zero } }, handshake: false);
        off.Settings();
        off.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(off.Transport.Disconnecting);
    }
}
