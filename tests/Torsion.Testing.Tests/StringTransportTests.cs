using System.Buffers;
using System.Net;
using Torsion.Protocols;
using Torsion.Transports;

namespace Torsion.Testing.Tests;

public sealed class StringTransportTests
{
    private sealed class Recorder : Protocol
    {
        public List<Exception> Lost { get; } = [];

        public bool Made { get; private set; }

        public override void ConnectionMade() => Made = true;

        public override void ConnectionLost(Exception reason) => Lost.Add(reason);
    }

    private sealed class Push : IPushProducer
    {
        public List<string> Calls { get; } = [];

        public void PauseProducing() => Calls.Add("pause");

        public void ResumeProducing() => Calls.Add("resume");

        public void StopProducing() => Calls.Add("stop");
    }

    private sealed class Pull : IPullProducer
    {
        public int Pulls { get; private set; }

        public void ResumeProducing() => Pulls++;

        public void StopProducing()
        {
        }
    }

    [Fact]
    public void Writes_are_recorded_until_cleared()
    {
        var transport = new StringTransport();
        transport.Write("hello "u8);
        transport.WriteSequence(new ReadOnlySequence<byte>("world"u8.ToArray()));
        Assert.Equal("hello world", transport.ValueString());
        Assert.Equal("hello world"u8.ToArray(), transport.Value());
        Assert.Equal(2, transport.WriteCount);
        transport.Clear();
        Assert.Equal("", transport.ValueString());
    }

    [Fact]
    public void Lose_abort_and_half_close_are_reported_as_flags()
    {
        var transport = new StringTransport();
        Assert.False(transport.Disconnecting);
        transport.LoseWriteConnection();
        Assert.True(transport.WriteSideClosed);
        transport.LoseConnection();
        Assert.True(transport.Disconnecting);
        Assert.False(transport.Aborted);
        transport.AbortConnection();
        Assert.True(transport.Aborted);
    }

    [Fact]
    public void Addresses_default_to_loopback_and_can_be_set()
    {
        var transport = new StringTransport();
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), transport.Host);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 50000), transport.Peer);
        transport.Peer = new IPEndPoint(IPAddress.Parse("10.0.0.9"), 1234);
        Assert.Equal("10.0.0.9:1234", transport.Peer.ToString());
        var other = new StringTransport(new IPEndPoint(IPAddress.IPv6Loopback, 1), new IPEndPoint(IPAddress.IPv6Loopback, 2));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 2), other.Peer);
    }

    [Fact]
    public void Connect_binds_the_protocol_and_reporting_delivers_connection_lost_once()
    {
        var transport = new StringTransport { ReportsConnectionLost = true };
        var protocol = new Recorder();
        transport.Connect(protocol);
        Assert.True(protocol.Made);
        Assert.Same(transport, protocol.Transport);
        transport.LoseConnection();
        transport.AbortConnection();
        Assert.IsType<ConnectionDoneException>(Assert.Single(protocol.Lost));
        Assert.False(transport.Connected);
        Assert.False(protocol.Connected);
    }

    [Fact]
    public void Without_reporting_lose_connection_only_sets_the_flag()
    {
        var transport = new StringTransport();
        var protocol = new Recorder();
        transport.Connect(protocol);
        transport.LoseConnection();
        Assert.Empty(protocol.Lost);
        transport.DeliverConnectionLost(new ConnectionLostException());
        Assert.IsType<ConnectionLostException>(Assert.Single(protocol.Lost));
    }

    [Fact]
    public void Deliver_connection_lost_without_a_protocol_says_to_connect()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new StringTransport().DeliverConnectionLost(new ConnectionDoneException()));
        Assert.Contains("Connect", error.Message);
    }

    [Fact]
    public void Producer_registration_is_recorded_and_a_second_is_refused()
    {
        var transport = new StringTransport();
        var push = new Push();
        transport.RegisterProducer(push, streaming: true);
        Assert.Same(push, transport.Producer);
        Assert.True(transport.Streaming);
        var error = Assert.Throws<InvalidOperationException>(() => transport.RegisterProducer(new Pull(), false));
        Assert.Contains("already has a producer", error.Message);
        transport.PauseRegisteredProducer();
        transport.ResumeRegisteredProducer();
        Assert.Equal(["pause", "resume"], push.Calls);
        transport.UnregisterProducer();
        Assert.Null(transport.Producer);
        Assert.Throws<InvalidOperationException>(transport.UnregisterProducer);
    }

    [Fact]
    public void Streaming_flag_must_match_the_producer_kind()
    {
        var transport = new StringTransport();
        Assert.Throws<ArgumentException>(() => transport.RegisterProducer(new Pull(), streaming: true));
        Assert.Throws<ArgumentException>(() => transport.RegisterProducer(new Push(), streaming: false));
    }

    [Fact]
    public void Pull_producer_is_pulled_by_resume()
    {
        var transport = new StringTransport();
        var pull = new Pull();
        transport.RegisterProducer(pull, streaming: false);
        transport.ResumeRegisteredProducer();
        Assert.Equal(1, pull.Pulls);
        Assert.Throws<InvalidOperationException>(transport.PauseRegisteredProducer);
    }

    [Fact]
    public void Pause_resume_stop_of_the_transport_are_recorded()
    {
        var transport = new StringTransport();
        Assert.Equal(ProducerState.Producing, transport.ProducerState);
        transport.PauseProducing();
        Assert.Equal(ProducerState.Paused, transport.ProducerState);
        transport.ResumeProducing();
        Assert.Equal(ProducerState.Producing, transport.ProducerState);
        transport.StopProducing();
        Assert.Equal(ProducerState.Stopped, transport.ProducerState);
        var error = Assert.Throws<InvalidOperationException>(transport.ResumeProducing);
        Assert.Contains("stopped", error.Message);
    }
}
