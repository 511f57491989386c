using System.Net;
using Torsion.Cred;
using Torsion.Testing;

namespace Torsion.Tests.Cred;

public sealed class LoginThrottleTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.7"), 40000);
    private static readonly IPEndPoint SamePeerOtherPort = new(IPAddress.Parse("192.0.2.7"), 40001);
    private static readonly IPEndPoint OtherPeer = new(IPAddress.Parse("192.0.2.8"), 40000);

    private static LoginThrottle Make(Clock clock) => new(clock, new LoginThrottleOptions
    {
        FreeFailures = 3,
        InitialDelay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromSeconds(30),
        ForgetAfter = TimeSpan.FromMinutes(10),
    });

    [Fact]
    public void The_first_failures_are_free()
    {
        var throttle = Make(new Clock());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Peer));
            Assert.True(throttle.IsAllowed(Peer));
        }
    }

    [Fact]
    public void The_wait_doubles_with_each_failure_beyond_the_free_ones_up_to_the_maximum()
    {
        var clock = new Clock();
        var throttle = Make(clock);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(Peer);
        }

        var waits = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            waits.Add(throttle.RecordFailure(Peer).TotalSeconds);
            clock.Advance(throttle.RetryAfter(Peer));
        }

        Assert.Equal([2, 4, 8, 16, 30, 30], waits);
    }

    [Fact]
    public void A_waiting_peer_is_refused_until_its_time_has_passed()
    {
        var clock = new Clock();
        var throttle = Make(clock);
        for (var i = 0; i < 4; i++)
        {
            throttle.RecordFailure(Peer);
        }

        Assert.False(throttle.IsAllowed(Peer));
        Assert.False(throttle.IsAllowed(SamePeerOtherPort));
        Assert.True(throttle.IsAllowed(OtherPeer));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(TimeSpan.FromSeconds(0.5), throttle.RetryAfter(Peer));
        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(throttle.IsAllowed(Peer));
    }

    [Fact]
    public void A_success_clears_the_count()
    {
        var throttle = Make(new Clock());
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(Peer);
        }

        throttle.RecordSuccess(Peer);
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Peer));
        Assert.Equal(1, throttle.TrackedPeers);
    }

    [Fact]
    public void A_quiet_peer_is_forgotten()
    {
        var clock = new Clock();
        var throttle = Make(clock);
        for (var i = 0; i < 5; i++)
        {
            throttle.RecordFailure(Peer);
        }

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.True(throttle.IsAllowed(Peer));
        Assert.Equal(0, throttle.TrackedPeers);
        Assert.Equal(TimeSpan.Zero, throttle.RecordFailure(Peer));
    }

    [Fact]
    public void The_number_of_peers_remembered_is_bounded()
    {
        var clock = new Clock();
        var throttle = new LoginThrottle(clock, new LoginThrottleOptions { MaxTrackedPeers = 2 });
        throttle.RecordFailure(Peer);
        clock.Advance(TimeSpan.FromSeconds(1));
        throttle.RecordFailure(OtherPeer);
        clock.Advance(TimeSpan.FromSeconds(1));
        throttle.RecordFailure(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 1));

        Assert.Equal(2, throttle.TrackedPeers);
    }

    [Fact]
    public void Ipv6_peers_are_counted_per_64_prefix_and_mapped_ipv4_as_ipv4()
    {
        Assert.Equal("2001:db8:1:2::/64", LoginThrottle.PeerKey(new IPEndPoint(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 22)));
        Assert.Equal("192.0.2.7", LoginThrottle.PeerKey(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 22)));
    }

    [Fact]
    public async Task Login_through_the_throttle_counts_failures_and_refuses_a_waiting_peer()
    {
        var clock = new Clock();
        var throttle = Make(clock);
        var portal = new Portal(new AnyRealm(), [new InMemoryUsernamePasswordChecker([new("alice", "pw")])]);
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<UnauthorizedLoginException>(() =>
                throttle.Login(portal, Peer, new UsernamePassword("alice", "guess" + i), null, typeof(object)).AsTask());
        }

        var refused = await Assert.ThrowsAsync<LoginThrottledException>(() =>
            throttle.Login(portal, Peer, new UsernamePassword("alice", "pw"), null, typeof(object)).AsTask());
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
        Assert.Equal("Too many failed logins; try again in 2 s.", refused.Message);

        clock.Advance(TimeSpan.FromSeconds(2));
        var result = await throttle.Login(portal, Peer, new UsernamePassword("alice", "pw"), null, typeof(object)).AsTask();
        Assert.Equal("alice", result.Avatar);
        Assert.Equal(0, throttle.TrackedPeers);
    }

    private sealed class AnyRealm : IRealm
    {
        public Torsion.Defer.Deferred<LoginResult> RequestAvatar(string avatarId, object? mind, IReadOnlyList<Type> interfaces) =>
            Torsion.Defer.Deferred.Succeed(new LoginResult(typeof(object), avatarId, () => { }));
    }
}
