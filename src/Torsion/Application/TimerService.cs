using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Application;

/// <summary>
/// Calls a function every <see cref="Interval"/> while running, the first time at start
/// (twisted.application.internet.TimerService over a LoopingCall). If the function returns a Deferred the next
/// call waits for it; calls missed meanwhile are skipped, keeping the rhythm of the start time.
/// </summary>
/// <remarks>
/// Unlike Twisted, a failing call does not end the loop: the failure is logged and the next call happens on time,
/// because a periodic job (expiry, flushing) that stops silently is worse than one that keeps retrying.
/// </remarks>
public sealed class TimerService : Service
{
    private readonly IReactorTime _time;
    private readonly Func<Deferred<Unit>> _call;
    private readonly ILogger _logger;
    private IDelayedCall? _next;
    private Deferred<Unit>? _inFlight;
    private double _started;
    private long _generation;

    /// <summary>A timer calling <paramref name="call"/> every <paramref name="interval"/> on <paramref name="time"/>.</summary>
    public TimerService(TimeSpan interval, Action call, IReactorTime time, ILogger? logger = null)
        : this(interval, Wrap(call), time, logger)
    {
    }

    /// <summary>A timer calling <paramref name="call"/> every <paramref name="interval"/>, waiting for the Deferred it returns.</summary>
    public TimerService(TimeSpan interval, Func<Deferred<Unit>> call, IReactorTime time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        _call = call;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Time between calls.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Calls made so far.</summary>
    public long Calls { get; private set; }

    /// <summary>Starts the loop with a call right away.</summary>
    public override void StartService()
    {
        base.StartService();
        _started = _time.Seconds();
        var generation = ++_generation;
        Tick(generation);
    }

    /// <summary>Stops the loop; fires once a call in progress (a pending Deferred) has finished.</summary>
    public override Deferred<Unit> StopService()
    {
        base.StopService();
        _generation++;
        if (_next is { Active: true })
        {
            _next.Cancel();
        }

        _next = null;
        if (_inFlight is { } inFlight)
        {
            var done = new Deferred<Unit>();
            inFlight.AddBoth(_ =>
            {
                done.Callback(Unit.Value);
                return Unit.Value;
            });
            return done;
        }

        return Deferred.Succeed();
    }

    private void Tick(long generation)
    {
        _next = null;
        if (generation != _generation)
        {
            return;
        }

        Calls++;
        var result = Deferred.MaybeDeferred(_call);
        _inFlight = result;
        result.AddBoth(outcome =>
        {
            _inFlight = null;
            if (!outcome.Success)
            {
                _logger.LogError(outcome.Error, "{Service}: call {Call} failed; the next one stays scheduled.", this, Calls);
            }

            Schedule(generation);
            return Unit.Value; // the failure is logged above: handled
        });
    }

    private void Schedule(long generation)
    {
        if (generation != _generation)
        {
            return;
        }

        var interval = Interval.TotalSeconds;
        var now = _time.Seconds();
        var elapsed = now - _started;
        var next = _started + ((Math.Floor(elapsed / interval) + 1) * interval);
        _next = _time.CallLater(TimeSpan.FromSeconds(next - now), () => Tick(generation));
    }

    private static Func<Deferred<Unit>> Wrap(Action call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return () =>
        {
            call();
            return Deferred.Succeed();
        };
    }
}
