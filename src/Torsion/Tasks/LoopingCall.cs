using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Tasks;

/// <summary>
/// Calls a function every interval on an <see cref="IReactorTime"/>, after Twisted's <c>task.LoopingCall</c>.
/// Calls are aligned to the start time: the k-th call is due at start + k * interval, and a call that ran late
/// (or a clock that jumped) skips the beats it missed rather than bunching calls up.
/// </summary>
/// <remarks>
/// If the function returns a Deferred, the next call waits until it fires. If the function throws (or its Deferred
/// fails) the loop stops and the Deferred returned by <see cref="Start"/> fails with that exception.
/// A zero interval calls the function on every reactor turn.
/// </remarks>
public sealed class LoopingCall
{
    // Tolerance, in intervals, for floating-point error when deciding which beat a time falls on.
    private const double BeatEpsilon = 1e-9;

    private readonly IReactorTime _time;
    private readonly Func<Deferred<Unit>> _function;
    private IDelayedCall? _call;
    private Deferred<LoopingCall>? _deferred;
    private double _startTime;
    private double _interval;
    private bool _runAtStart;
    private double? _lastCountedTime;

    /// <summary>A loop calling <paramref name="function"/> on <paramref name="time"/>.</summary>
    public LoopingCall(IReactorTime time, Action function)
        : this(time, Wrap(function))
    {
    }

    /// <summary>A loop calling <paramref name="function"/> on <paramref name="time"/>; the next call waits for the Deferred it returns.</summary>
    public LoopingCall(IReactorTime time, Func<Deferred<Unit>> function)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(function);
        _time = time;
        _function = function;
    }

    /// <summary>True from <see cref="Start"/> until <see cref="Stop"/> or a failure of the function.</summary>
    public bool Running { get; private set; }

    /// <summary>The interval given to the last <see cref="Start"/>.</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>The Deferred returned by <see cref="Start"/> while the loop runs (or waits for its last call), else null.</summary>
    public Deferred<LoopingCall>? Deferred => _deferred;

    /// <summary>
    /// A loop that calls <paramref name="function"/> with the number of intervals that passed since its last call:
    /// 1 normally, more when calls were skipped because the clock jumped or a call ran late (Twisted's <c>withCount</c>).
    /// </summary>
    public static LoopingCall WithCount(IReactorTime time, Action<int> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return WithCount(time, count =>
        {
            function(count);
            return Defer.Deferred.Succeed();
        });
    }

    /// <summary>
    /// A loop that calls <paramref name="function"/> with the number of intervals that passed since its last call and
    /// waits for the Deferred it returns before the next call.
    /// </summary>
    public static LoopingCall WithCount(IReactorTime time, Func<int, Deferred<Unit>> function)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(function);
        LoopingCall? loop = null;
        loop = new LoopingCall(time, () => loop!.CallWithCount(function));
        return loop;
    }

    /// <summary>
    /// Starts calling the function every <paramref name="interval"/>: at once if <paramref name="now"/>, else after
    /// one interval. The returned Deferred fires with this loop when it is stopped, and fails (ending the loop) when
    /// the function throws or its Deferred fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is already running.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The interval is negative.</exception>
    public Deferred<LoopingCall> Start(TimeSpan interval, bool now = true)
    {
        if (Running)
        {
            throw new InvalidOperationException("This LoopingCall is already running; stop it before starting it again.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        Running = true;
        var deferred = new Deferred<LoopingCall>();
        _deferred = deferred;
        _startTime = _time.Seconds();
        Interval = interval;
        _interval = interval.TotalSeconds;
        _runAtStart = now;
        _lastCountedTime = null;
        if (now)
        {
            Call();
        }
        else
        {
            ScheduleFrom(_startTime);
        }

        return deferred;
    }

    /// <summary>
    /// Stops the loop. Its Deferred fires now, or, if a call is in progress (its Deferred has not fired), when that
    /// call finishes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is not running.</exception>
    public void Stop()
    {
        if (!Running)
        {
            throw new InvalidOperationException("This LoopingCall is not running, so it cannot be stopped.");
        }

        Running = false;
        if (_call is not null)
        {
            _call.Cancel();
            _call = null;
            Finish()?.Callback(this);
        }
    }

    /// <summary>Restarts the rhythm from now: the next call is one interval from now (unless a call is in progress).</summary>
    /// <exception cref="InvalidOperationException">The loop is not running.</exception>
    public void Reset()
    {
        if (!Running)
        {
            throw new InvalidOperationException("This LoopingCall is not running, so it cannot be reset.");
        }

        if (_call is not null)
        {
            _call.Cancel();
            _call = null;
            _startTime = _time.Seconds();
            ScheduleFrom(_startTime);
        }
    }

    /// <summary>A readable summary: the interval and whether it runs.</summary>
    public override string ToString() => $"LoopingCall (every {Interval}, {(Running ? "running" : "stopped")})";

    private void Call()
    {
        _call = null;
        Deferred<Unit> result;
        try
        {
            result = _function() ?? throw new InvalidOperationException("The LoopingCall function returned a null Deferred; return a Deferred or use the Action overload.");
        }
        catch (Exception error)
        {
            Fail(error);
            return;
        }

        result.AddBoth(outcome =>
        {
            if (!outcome.Success)
            {
                Fail(outcome.Error!);
            }
            else if (Running)
            {
                ScheduleFrom(_time.Seconds());
            }
            else
            {
                Finish()?.Callback(this);
            }

            return Unit.Value; // a failure is handed on to the loop's Deferred above
        });
    }

    private void Fail(Exception error)
    {
        Running = false;
        Finish()?.Errback(error);
    }

    private Deferred<LoopingCall>? Finish()
    {
        var deferred = _deferred;
        _deferred = null;
        return deferred;
    }

    /// <summary>Schedules the next call at the first beat (start + k * interval) after <paramref name="when"/>.</summary>
    private void ScheduleFrom(double when)
    {
        double delay;
        if (_interval == 0)
        {
            delay = 0;
        }
        else
        {
            var next = _startTime + ((BeatOf(when) + 1) * _interval);
            delay = Math.Max(0, next - _time.Seconds());
        }

        _call = _time.CallLater(TimeSpan.FromSeconds(delay), Call);
    }

    /// <summary>How many whole intervals after the start <paramref name="time"/> is.</summary>
    private long BeatOf(double time) => (long)Math.Floor(((time - _startTime) / _interval) + BeatEpsilon);

    private Deferred<Unit> CallWithCount(Func<int, Deferred<Unit>> function)
    {
        var now = _time.Seconds();
        if (_interval == 0)
        {
            _lastCountedTime = now;
            return function(1);
        }

        var last = _lastCountedTime ?? (_runAtStart ? _startTime - _interval : _startTime);
        var count = BeatOf(now) - BeatOf(last);
        if (count <= 0)
        {
            return Defer.Deferred.Succeed();
        }

        _lastCountedTime = now;
        return function((int)Math.Min(count, int.MaxValue));
    }

    private static Func<Deferred<Unit>> Wrap(Action function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return () =>
        {
            function();
            return Defer.Deferred.Succeed();
        };
    }
}
