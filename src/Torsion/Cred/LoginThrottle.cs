using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Cred;

/// <summary>
/// Per-peer back-off after failed logins, for protocol servers to consult before checking credentials:
/// after <see cref="LoginThrottleOptions.FreeFailures"/> failures a peer must wait
/// <see cref="LoginThrottleOptions.InitialDelay"/>, doubling with each further failure up to
/// <see cref="LoginThrottleOptions.MaxDelay"/>. A success or a quiet <see cref="LoginThrottleOptions.ForgetAfter"/> resets it.
/// </summary>
/// <remarks>
/// Peers are keyed by address, not port: an IPv4 address, or the /64 prefix of an IPv6 address
/// (one host usually owns a whole /64). Time comes from the <see cref="IReactorTime"/> given, so tests
/// drive it with <c>Torsion.Testing.Clock</c>. Like all reactor objects it is used from the reactor thread only.
/// A server either refuses a waiting peer at once (answering with <see cref="RetryAfter"/>) or delays its
/// answer with <see cref="IReactorTime.CallLater"/>.
/// </remarks>
public sealed class LoginThrottle
{
    private readonly IReactorTime _time;
    private readonly LoginThrottleOptions _options;
    private readonly Dictionary<string, PeerState> _peers = new(StringComparer.Ordinal);

    /// <summary>A throttle on <paramref name="time"/> with <paramref name="options"/> (defaults when null).</summary>
    public LoginThrottle(IReactorTime time, LoginThrottleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _options = options ?? new LoginThrottleOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.FreeFailures, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxTrackedPeers, 1, nameof(options));
    }

    /// <summary>How many peers are remembered now.</summary>
    public int TrackedPeers => _peers.Count;

    /// <summary>How long <paramref name="peer"/> must still wait before its next attempt; zero when it may try now.</summary>
    public TimeSpan RetryAfter(EndPoint peer)
    {
        var key = PeerKey(peer);
        if (!_peers.TryGetValue(key, out var state))
        {
            return TimeSpan.Zero;
        }

        var now = _time.Seconds();
        if (now - state.LastFailure >= _options.ForgetAfter.TotalSeconds)
        {
            _peers.Remove(key);
            return TimeSpan.Zero;
        }

        var wait = state.BlockedUntil - now;
        return wait > 0 ? TimeSpan.FromSeconds(wait) : TimeSpan.Zero;
    }

    /// <summary>True when <paramref name="peer"/> may try to log in now.</summary>
    public bool IsAllowed(EndPoint peer) => RetryAfter(peer) == TimeSpan.Zero;

    /// <summary>Counts a failed login from <paramref name="peer"/>; returns how long it must now wait.</summary>
    public TimeSpan RecordFailure(EndPoint peer)
    {
        var key = PeerKey(peer);
        var now = _time.Seconds();
        if (!_peers.TryGetValue(key, out var state) || now - state.LastFailure >= _options.ForgetAfter.TotalSeconds)
        {
            if (!_peers.ContainsKey(key) && _peers.Count >= _options.MaxTrackedPeers)
            {
                Evict(now);
            }

            state = new PeerState();
            _peers[key] = state;
        }

        state.Failures++;
        state.LastFailure = now;
        var delay = DelayAfter(state.Failures);
        state.BlockedUntil = now + delay.TotalSeconds;
        return delay;
    }

    /// <summary>Forgets the failures of <paramref name="peer"/> after it logged in.</summary>
    public void RecordSuccess(EndPoint peer) => _peers.Remove(PeerKey(peer));

    /// <summary>
    /// Logs in through <paramref name="portal"/> on behalf of <paramref name="peer"/>, counting the outcome: a waiting
    /// peer fails at once with <see cref="LoginThrottledException"/>; wrong credentials count as a failure, a success
    /// clears the count. (<see cref="ValidPublicKeyException"/> and <see cref="UnhandledCredentialsException"/> do not count.)
    /// </summary>
    public Deferred<LoginResult> Login(Portal portal, EndPoint peer, ICredentials credentials, object? mind, params Type[] interfaces)
    {
        ArgumentNullException.ThrowIfNull(portal);
        ArgumentNullException.ThrowIfNull(peer);
        var wait = RetryAfter(peer);
        if (wait > TimeSpan.Zero)
        {
            return Deferred.Fail<LoginResult>(new LoginThrottledException(wait));
        }

        return portal.Login(credentials, mind, interfaces).AddCallbacks(
            result =>
            {
                RecordSuccess(peer);
                return result;
            },
            error =>
            {
                if (error is UnauthorizedLoginException and not ValidPublicKeyException and not UnhandledCredentialsException)
                {
                    RecordFailure(peer);
                }

                ExceptionDispatchInfo.Throw(error);
                return null!;
            });
    }

    /// <summary>The key a peer is counted under: its IPv4 address, its IPv6 /64 prefix, or its text form.</summary>
    public static string PeerKey(EndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        switch (peer)
        {
            case IPEndPoint ip:
                var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    Span<byte> bytes = stackalloc byte[16];
                    address.TryWriteBytes(bytes, out _);
                    bytes[8..].Clear();
                    return new IPAddress(bytes).ToString() + "/64";
                }

                return address.ToString();
            case DnsEndPoint dns:
                return dns.Host;
            default:
                return peer.ToString() ?? peer.GetType().Name;
        }
    }

    private TimeSpan DelayAfter(int failures)
    {
        var beyond = failures - _options.FreeFailures;
        if (beyond <= 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = _options.InitialDelay.TotalSeconds * Math.Pow(2, Math.Min(beyond - 1, 62));
        return seconds >= _options.MaxDelay.TotalSeconds ? _options.MaxDelay : TimeSpan.FromSeconds(seconds);
    }

    private void Evict(double now)
    {
        string? oldest = null;
        var oldestTime = double.MaxValue;
        var stale = new List<string>();
        foreach (var (key, state) in _peers)
        {
            if (now - state.LastFailure >= _options.ForgetAfter.TotalSeconds)
            {
                stale.Add(key);
            }
            else if (state.LastFailure < oldestTime)
            {
                oldestTime = state.LastFailure;
                oldest = key;
            }
        }

        foreach (var key in stale)
        {
            _peers.Remove(key);
        }

        if (stale.Count == 0 && oldest is not null)
        {
            _peers.Remove(oldest);
        }
    }

    private sealed class PeerState
    {
        public int Failures;
        public double LastFailure;
        public double BlockedUntil;
    }
}
