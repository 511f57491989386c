using System.Net;
using Torsion.Reactor;

namespace Torsion.Protocols.Policies;

/// <summary>
/// Limits bandwidth and connection count (Twisted's <c>ThrottlingFactory</c>, extended with per-connection
/// limits). Once a second, on <see cref="Clock"/>, the bytes of the last second are compared with the limits in
/// bytes per second: a total or a connection over its limit has reading paused (the transport stops reading) or
/// its producer paused for (bytes ÷ limit − 1) seconds, so that the average stays within the limit. Writes made
/// without a producer are counted but cannot be held back. A null limit is no limit.
/// </summary>
public sealed class ThrottlingFactory : WrappingFactory
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private IDelayedCall? _tick;
    private IDelayedCall? _unthrottleReads;
    private IDelayedCall? _unthrottleWrites;

    /// <summary>Throttles the protocols of <paramref name="wrappedFactory"/>, timed by <paramref name="clock"/>.</summary>
    public ThrottlingFactory(IProtocolFactory wrappedFactory, IReactorTime clock)
        : base(wrappedFactory)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Clock = clock;
    }

    /// <summary>The reactor time that drives the once-a-second check.</summary>
    public IReactorTime Clock { get; }

    /// <summary>Most bytes per second read by all connections together; null for no limit.</summary>
    public long? ReadLimit { get; set; }

    /// <summary>Most bytes per second written by all connections together; null for no limit.</summary>
    public long? WriteLimit { get; set; }

    /// <summary>Most bytes per second read by one connection; null for no limit.</summary>
    public long? ConnectionReadLimit { get; set; }

    /// <summary>Most bytes per second written by one connection; null for no limit.</summary>
    public long? ConnectionWriteLimit { get; set; }

    /// <summary>Most connections open at once; more are refused (<see cref="BuildProtocol"/> returns null).</summary>
    public int MaxConnectionCount { get; set; } = int.MaxValue;

    /// <summary>Connections built and not yet lost.</summary>
    public int ConnectionCount { get; private set; }

    /// <summary>Bytes read by all connections since the last check.</summary>
    public long ReadThisSecond { get; internal set; }

    /// <summary>Bytes written by all connections since the last check.</summary>
    public long WrittenThisSecond { get; internal set; }

    /// <summary>True while every connection's reading is paused for the total limit.</summary>
    public bool ReadsThrottled { get; private set; }

    /// <summary>True while every connection's producer is paused for the total limit.</summary>
    public bool WritesThrottled { get; private set; }

    /// <summary>Builds a throttled protocol, or refuses (null) when <see cref="MaxConnectionCount"/> connections are open.</summary>
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        if (ConnectionCount >= MaxConnectionCount)
        {
            return null;
        }

        var protocol = base.BuildProtocol(peer);
        if (protocol is not null)
        {
            ConnectionCount++;
        }

        return protocol;
    }

    /// <inheritdoc />
    public override void RegisterProtocol(ProtocolWrapper protocol)
    {
        base.RegisterProtocol(protocol);
        _tick ??= Clock.CallLater(Second, Tick);
    }

    /// <inheritdoc />
    public override void UnregisterProtocol(ProtocolWrapper protocol)
    {
        base.UnregisterProtocol(protocol);
        ConnectionCount--;
        if (Protocols.Count == 0)
        {
            Cancel(ref _tick);
            Cancel(ref _unthrottleReads);
            Cancel(ref _unthrottleWrites);
            ReadsThrottled = WritesThrottled = false;
            ReadThisSecond = WrittenThisSecond = 0;
        }
    }

    /// <inheritdoc />
    protected override ProtocolWrapper WrapProtocol(IProtocol wrapped, EndPoint peer) => new ThrottlingProtocol(this, wrapped);

    /// <summary>How long to pause after <paramref name="bytes"/> in a second against <paramref name="limit"/>; null if within it.</summary>
    internal static TimeSpan? Overrun(long bytes, long? limit) =>
        limit is { } l && bytes > l ? TimeSpan.FromSeconds(Math.Max((double)bytes / Math.Max(l, 1) - 1.0, 0.0)) : null;

    /// <summary>Schedules <paramref name="action"/> after <paramref name="delay"/>, keeping the later of this and an earlier schedule.</summary>
    internal static void ScheduleLatest(IReactorTime clock, ref IDelayedCall? call, TimeSpan delay, Action action)
    {
        if (call is { Active: true })
        {
            if (call.Time >= clock.Seconds() + delay.TotalSeconds)
            {
                return;
            }

            call.Cancel();
        }

        call = clock.CallLater(delay, action);
    }

    internal static void Cancel(ref IDelayedCall? call)
    {
        if (call is { Active: true })
        {
            call.Cancel();
        }

        call = null;
    }

    private void Tick()
    {
        _tick = null;
        if (Overrun(ReadThisSecond, ReadLimit) is { } readPause)
        {
            ReadsThrottled = true;
            ScheduleLatest(Clock, ref _unthrottleReads, readPause, UnthrottleReads);
        }

        if (Overrun(WrittenThisSecond, WriteLimit) is { } writePause)
        {
            WritesThrottled = true;
            ScheduleLatest(Clock, ref _unthrottleWrites, writePause, UnthrottleWrites);
        }

        ReadThisSecond = WrittenThisSecond = 0;
        foreach (var protocol in Protocols.ToArray())
        {
            ((ThrottlingProtocol)protocol).CheckSecond(ConnectionReadLimit, ConnectionWriteLimit);
        }

        if (Protocols.Count > 0)
        {
            _tick = Clock.CallLater(Second, Tick);
        }
    }

    private void UnthrottleReads()
    {
        _unthrottleReads = null;
        ReadsThrottled = false;
        Update();
    }

    private void UnthrottleWrites()
    {
        _unthrottleWrites = null;
        WritesThrottled = false;
        Update();
    }

    private void Update()
    {
        foreach (var protocol in Protocols.ToArray())
        {
            ((ThrottlingProtocol)protocol).Update();
        }
    }
}
