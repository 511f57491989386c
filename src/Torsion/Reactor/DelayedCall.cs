namespace Torsion.Reactor;

/// <summary>A call scheduled on a reactor's <see cref="TimerQueue"/>.</summary>
internal sealed class DelayedCall : IDelayedCall
{
    private readonly ReactorBase _reactor;
    private Action? _action;
    private bool _called;

    internal DelayedCall(ReactorBase reactor, double time, Action action)
    {
        _reactor = reactor;
        Time = time;
        _action = action;
    }

    public double Time { get; internal set; }

    internal long Sequence { get; set; }

    internal int HeapIndex { get; set; } = -1;

    public bool Active => _action is not null;

    public void Cancel()
    {
        EnsureActive("cancel");
        _action = null;
        _reactor.CheckThread("IDelayedCall.Cancel");
        _reactor.Timers.Remove(this);
    }

    public void Reset(TimeSpan delay)
    {
        EnsureActive("reset");
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        _reactor.CheckThread("IDelayedCall.Reset");
        _reactor.Timers.Update(this, _reactor.Seconds() + delay.TotalSeconds);
        _reactor.NoteWorkQueued();
    }

    public void Delay(TimeSpan by)
    {
        EnsureActive("delay");
        _reactor.CheckThread("IDelayedCall.Delay");
        _reactor.Timers.Update(this, Time + by.TotalSeconds);
        _reactor.NoteWorkQueued();
    }

    internal Action Take()
    {
        var action = _action!;
        _action = null;
        _called = true;
        return action;
    }

    private void EnsureActive(string verb)
    {
        if (_action is null)
        {
            throw new InvalidOperationException(_called
                ? $"Cannot {verb} a delayed call that already ran."
                : $"Cannot {verb} a delayed call that was cancelled.");
        }
    }

    public override string ToString() => $"DelayedCall at {Time:F3}s ({(_action is null ? "inactive" : _action.Method.Name)})";
}
