using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>
/// A fake <see cref="IReactorTime"/> for tests: time moves only when <see cref="Advance"/> or
/// <c>Pump</c> is called, and due calls run then, in time order (ties in scheduling order).
/// </summary>
public sealed class Clock : IReactorTime
{
    private readonly List<ClockCall> _calls = [];
    private long _sequence;

    /// <summary>The current time in seconds (starts at 0).</summary>
    public double Now { get; private set; }

    /// <summary>The calls that are still pending, soonest first.</summary>
    public IReadOnlyList<IDelayedCall> PendingCalls
    {
        get
        {
            _calls.Sort(static (a, b) => a.CompareTo(b));
            return [.. _calls];
        }
    }

    /// <inheritdoc />
    public double Seconds() => Now;

    /// <inheritdoc />
    public IDelayedCall CallLater(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        var call = new ClockCall(this, Now + delay.TotalSeconds, action, _sequence++);
        _calls.Add(call);
        return call;
    }

    /// <summary>Moves time forward by <paramref name="amount"/> and runs every call that became due.</summary>
    public void Advance(TimeSpan amount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, TimeSpan.Zero);
        Now += amount.TotalSeconds;
        RunDue();
    }

    /// <summary>Advances time by each amount in turn, running due calls after each step.</summary>
    public void Pump(IEnumerable<TimeSpan> amounts)
    {
        ArgumentNullException.ThrowIfNull(amounts);
        foreach (var amount in amounts)
        {
            Advance(amount);
        }
    }

    /// <summary>Advances time by each amount in seconds in turn, running due calls after each step.</summary>
    public void Pump(params double[] seconds)
    {
        ArgumentNullException.ThrowIfNull(seconds);
        foreach (var s in seconds)
        {
            Advance(TimeSpan.FromSeconds(s));
        }
    }

    private void RunDue()
    {
        while (true)
        {
            ClockCall? next = null;
            foreach (var call in _calls)
            {
                if (call.Time <= Now && (next is null || call.CompareTo(next) < 0))
                {
                    next = call;
                }
            }

            if (next is null)
            {
                return;
            }

            _calls.Remove(next);
            next.Run();
        }
    }

    private void Remove(ClockCall call) => _calls.Remove(call);

    private void Reschedule(ClockCall call, double time)
    {
        call.SetTime(time, _sequence++);
    }

    private sealed class ClockCall(Clock clock, double time, Action action, long sequence) : IDelayedCall
    {
        private long _sequence = sequence;
        private bool _cancelled;
        private bool _called;

        public double Time { get; private set; } = time;

        public bool Active => !_cancelled && !_called;

        public void Cancel()
        {
            EnsureActive("cancel");
            _cancelled = true;
            clock.Remove(this);
        }

        public void Reset(TimeSpan delay)
        {
            EnsureActive("reset");
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
            clock.Reschedule(this, clock.Now + delay.TotalSeconds);
        }

        public void Delay(TimeSpan by)
        {
            EnsureActive("delay");
            clock.Reschedule(this, Time + by.TotalSeconds);
        }

        internal void SetTime(double time, long sequence)
        {
            Time = time;
            _sequence = sequence;
        }

        internal void Run()
        {
            _called = true;
            action();
        }

        internal int CompareTo(ClockCall other)
        {
            var byTime = Time.CompareTo(other.Time);
            return byTime != 0 ? byTime : _sequence.CompareTo(other._sequence);
        }

        private void EnsureActive(string verb)
        {
            if (_called)
            {
                throw new InvalidOperationException($"Cannot {verb} a delayed call that already ran.");
            }

            if (_cancelled)
            {
                throw new InvalidOperationException($"Cannot {verb} a delayed call that was cancelled.");
            }
        }
    }
}
