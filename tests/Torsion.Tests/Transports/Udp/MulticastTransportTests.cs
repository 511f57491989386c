using System.Net;
using Torsion.Defer;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports.Udp;
using Xunit.Abstractions;

namespace Torsion.Tests.Transports.Udp;

/// <summary>Multicast on the loopback interface, written once and run against every reactor.</summary>
public abstract class MulticastTransportTests : ReactorHarness
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;

    protected MulticastTransportTests(ITestOutputHelper output)
    {
        output.WriteLine($"loopback multicast: {LoopbackMulticast.Ensure()}");
    }

    /// <summary>A group in the organisation-local scope, different per test so that parallel tests do not meet.</summary>
    private static IPAddress NewGroup() => new([239, 255, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);

    private static Task<Unit> Done(Deferred<Unit> deferred) => deferred.AsTask();

    [Fact]
    public async Task Two_listeners_on_one_port_both_receive_the_group_datagrams_until_one_leaves()
    {
        var group = NewGroup();
        var first = new DatagramRecorder();
        var second = new DatagramRecorder();
        var sender = new DatagramRecorder();
        var (a, b, s) = await On(() =>
        {
            var a = Reactor.ListenMulticast(0, first, listenMultiple: true);
            var b = Reactor.ListenMulticast(((IPEndPoint)a.Host).Port, second, listenMultiple: true);
            var s = Reactor.ListenMulticast(0, sender, "127.0.0.1");
            s.SetOutgoingInterface(Loopback);
            return (a, b, s);
        });
        var port = ((IPEndPoint)a.Host).Port;
        await Within(await On(() => Done(a.JoinGroup(group, Loopback))));
        await Within(await On(() => Done(b.JoinGroup(group, Loopback))));

        await On(() => s.Write("to both"u8, new IPEndPoint(group, port)));
        await Within(first.WaitFor(1));
        await Within(second.WaitFor(1));
        Assert.True(first.Received.TryPeek(out var got));
        Assert.Equal("to both"u8.ToArray(), got.Data);
        Assert.Equal(s.Host, got.From);

        await Within(await On(() => Done(b.LeaveGroup(group, Loopback))));
        await On(() => s.Write("first only"u8, new IPEndPoint(group, port)));
        await Within(first.WaitFor(2));
        // The second listener left: "first only" must not reach it. It then joins another group and gets a marker
        // sent after "first only" by the same sender; datagrams on loopback arrive in order, so by then it would
        // have received "first only" too.
        var other = NewGroup();
        await Within(await On(() => Done(b.JoinGroup(other, Loopback))));
        await On(() => s.Write("marker"u8, new IPEndPoint(other, port)));
        await Within(second.WaitFor(2));
        Assert.True(second.Received.ToArray()[1].Data.AsSpan().SequenceEqual("marker"u8));
        Assert.Equal(2, first.Count);
        Assert.DoesNotContain(second.Received, r => r.Data.AsSpan().SequenceEqual("first only"u8));
    }

    [Fact]
    public async Task Ttl_and_loopback_mode_can_be_set()
    {
        var port = await On(() => Reactor.ListenMulticast(0, new DatagramRecorder(), "127.0.0.1"));
        var (ttl, loop) = await On(() => (port.Ttl, port.LoopbackMode));
        Assert.Equal(1, ttl);
        Assert.True(loop);
        (ttl, loop) = await On(() =>
        {
            port.SetTtl(5);
            port.SetLoopbackMode(false);
            return (port.Ttl, port.LoopbackMode);
        });
        Assert.Equal(5, ttl);
        Assert.False(loop);
    }

    [Fact]
    public async Task Joining_an_address_that_is_not_a_group_fails_with_MulticastJoinException()
    {
        var port = await On(() => Reactor.ListenMulticast(0, new DatagramRecorder()));
        var join = await On(() => Done(port.JoinGroup(IPAddress.Parse("10.1.2.3"))));
        var error = await Assert.ThrowsAsync<MulticastJoinException>(() => Within(join));
        Assert.Contains("10.1.2.3 is not a multicast address", error.Message);
    }

    [Fact]
    public async Task Leaving_a_group_never_joined_fails_with_MulticastJoinException()
    {
        var port = await On(() => Reactor.ListenMulticast(0, new DatagramRecorder()));
        var leave = await On(() => Done(port.LeaveGroup(NewGroup(), Loopback)));
        await Assert.ThrowsAsync<MulticastJoinException>(() => Within(leave));
    }
}

public sealed class EpollMulticastTransportTests(ITestOutputHelper output) : MulticastTransportTests(output)
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectMulticastTransportTests(ITestOutputHelper output) : MulticastTransportTests(output)
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibMulticastTransportTests(ITestOutputHelper output) : MulticastTransportTests(output)
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
