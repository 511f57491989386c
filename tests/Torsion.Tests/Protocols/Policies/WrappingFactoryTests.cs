using System.Buffers;
using Torsion.Protocols;
using Torsion.Protocols.Policies;
using Torsion.Testing;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Policies;

public sealed class WrappingFactoryTests
{
    [Fact]
    public void Wrapper_forwards_data_writes_and_close_both_ways()
    {
        var inner = new Recorder();
        var factory = new WrappingFactory(Factory.ForProtocol(() => inner));
        var (protocol, transport) = Policy.Connect(factory);
        var wrapper = Assert.IsType<ProtocolWrapper>(protocol);
        Assert.Same(inner, wrapper.WrappedProtocol);
        Assert.Same(wrapper, inner.Transport);
        Assert.Equal(["made"], inner.Events);
        Assert.Contains(wrapper, factory.Protocols);

        wrapper.DataReceived("in"u8);
        Assert.Equal("in", inner.Received.ToString());
        inner.Transport.Write("out"u8);
        inner.Transport.WriteSequence(new ReadOnlySequence<byte>("!"u8.ToArray()));
        Assert.Equal("out!", transport.ValueString());
        Assert.Equal(transport.Peer, inner.Transport.Peer);
        Assert.Equal(transport.Host, inner.Transport.Host);

        inner.Transport.PauseProducing();
        Assert.Equal(ProducerState.Paused, transport.ProducerState);
        inner.Transport.ResumeProducing();
        Assert.Equal(ProducerState.Producing, transport.ProducerState);
        var producer = new TestProducer();
        inner.Transport.RegisterProducer(producer, true);
        Assert.Same(producer, transport.Producer);
        inner.Transport.UnregisterProducer();
        Assert.Null(transport.Producer);

        ((IHalfCloseable)inner.Transport).LoseWriteConnection();
        Assert.True(transport.WriteSideClosed);
        inner.Transport.LoseConnection();
        Assert.True(transport.Disconnecting);
        inner.Transport.AbortConnection();
        Assert.True(transport.Aborted);

        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.IsType<ConnectionDoneException>(Assert.Single(inner.Lost));
        Assert.Empty(factory.Protocols);
    }

    [Fact]
    public void Half_close_events_are_forwarded_to_a_half_closeable_protocol()
    {
        var inner = new Recorder();
        var (protocol, transport) = Policy.Connect(new WrappingFactory(Factory.ForProtocol(() => inner)));
        ((IHalfCloseableProtocol)protocol).ReadConnectionLost();
        ((IHalfCloseableProtocol)protocol).WriteConnectionLost();
        Assert.Equal(["made", "read-lost", "write-lost"], inner.Events);
        Assert.False(transport.Disconnecting);
    }

    [Fact]
    public void Read_half_close_closes_the_connection_of_a_protocol_that_cannot_half_close()
    {
        var (protocol, transport) = Policy.Connect(new WrappingFactory(Factory.ForProtocol(() => new PlainRecorder())));
        ((IHalfCloseableProtocol)protocol).ReadConnectionLost();
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void Refusal_by_the_wrapped_factory_is_passed_on()
    {
        var factory = new WrappingFactory(new Factory(_ => null));
        Assert.Null(factory.BuildProtocol(Policy.Peer("10.0.0.1")));
    }

    [Fact]
    public void Start_and_stop_reach_the_wrapped_factory()
    {
        var inner = Factory.ForProtocol(() => new Recorder());
        var outer = new WrappingFactory(new WrappingFactory(inner));
        outer.DoStart();
        Assert.Equal(1, inner.Uses);
        outer.DoStop();
        Assert.Equal(0, inner.Uses);
    }

    [Fact]
    public void Wrappers_compose()
    {
        var inner = new Recorder();
        var clock = new Clock();
        var factory = new LimitConnectionsFactory(new TimeoutFactory(Factory.ForProtocol(() => inner), TimeSpan.FromSeconds(5), clock))
        {
            MaxConnections = 1,
        };
        var (protocol, transport) = Policy.Connect(factory);
        protocol.DataReceived("x"u8);
        Assert.Equal("x", inner.Received.ToString());
        Assert.Null(factory.BuildProtocol(Policy.Peer("10.0.0.2")));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(transport.Disconnecting);
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.NotNull(factory.BuildProtocol(Policy.Peer("10.0.0.2")));
    }

    [Fact]
    public void Half_close_passes_through_a_wrapper_on_a_loopback_connection()
    {
        var inner = new Recorder();
        var wrapper = (ProtocolWrapper)new WrappingFactory(Factory.ForProtocol(() => inner)).BuildProtocol(Policy.Peer("127.0.0.1"))!;
        var client = new Recorder();
        var pump = new LoopbackPump();
        pump.Connect(wrapper, client);
        ((IHalfCloseable)inner.Transport).LoseWriteConnection();
        pump.Flush();
        Assert.Equal(["made", "write-lost"], inner.Events);
        Assert.Equal(["made", "read-lost"], client.Events);
    }

    [Fact]
    public void Half_close_on_a_transport_that_cannot_fails_clearly()
    {
        var inner = new Recorder();
        var innerFactory = new WrappingFactory(Factory.ForProtocol(() => inner));
        var wrapper = (ProtocolWrapper)innerFactory.BuildProtocol(Policy.Peer("127.0.0.1"))!;
        wrapper.MakeConnection(new NotHalfCloseable());
        var error = Assert.Throws<NotSupportedException>(((IHalfCloseable)inner.Transport).LoseWriteConnection);
        Assert.Equal("NotHalfCloseable under ProtocolWrapper cannot be half-closed (it is not IHalfCloseable).", error.Message);
    }

    private sealed class NotHalfCloseable : ITransport
    {
        public System.Net.EndPoint Peer => Policy.Peer("127.0.0.1");

        public System.Net.EndPoint Host => Policy.Peer("127.0.0.1", 80);

        public void AbortConnection()
        {
        }

        public void LoseConnection()
        {
        }

        public void PauseProducing()
        {
        }

        public void RegisterProducer(IProducer producer, bool streaming)
        {
        }

        public void ResumeProducing()
        {
        }

        public void StopProducing()
        {
        }

        public void UnregisterProducer()
        {
        }

        public void Write(ReadOnlySpan<byte> data)
        {
        }

        public void WriteSequence(ReadOnlySequence<byte> data)
        {
        }
    }
}
