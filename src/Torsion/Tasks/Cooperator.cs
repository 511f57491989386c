using System.Collections;
using System.Diagnostics;
using Torsion.Defer;
using Torsion.Reactor;

namespace Torsion.Tasks;

/// <summary>
/// Runs many iterator tasks a step at a time, taking turns, in time slices on an <see cref="IReactorTime"/>
/// (Twisted's <c>task.Cooperator</c>): long jobs share the reactor thread without blocking I/O.
/// </summary>
/// <remarks>
/// Each turn steps the tasks round-robin (one <c>MoveNext</c> each) until the termination predicate says the slice
/// is used up (by default after <see cref="DefaultTimeSlice"/> of wall-clock time), then yields to the reactor and
/// continues on the next turn where it left off. A task that yields a <see cref="Deferred"/> is paused until that
/// Deferred fires; if it fails, the task fails with that exception.
/// </remarks>
public sealed class Cooperator
{
    /// <summary>How long one turn runs tasks by default before yielding to the reactor (Twisted's 10 ms).</summary>
    public static readonly TimeSpan DefaultTimeSlice = TimeSpan.FromMilliseconds(10);

    // A turn is scheduled "as soon as possible" but strictly in the future, so a fake Clock does not run every
    // turn inside one Advance and a real reactor polls I/O between turns (Twisted's _EPSILON).
    private static readonly TimeSpan TurnDelay = TimeSpan.FromTicks(1);

    private readonly IReactorTime _time;
    private readonly Func<Func<bool>> _terminationPredicateFactory;
    private readonly List<CooperativeTask> _tasks = [];
    private int _nextIndex;
    private IDelayedCall? _turn;
    private bool _started;
    private bool _stopped;
    private bool _mustScheduleOnStart;

    /// <summary>A cooperator on <paramref name="time"/> whose turns last up to <see cref="DefaultTimeSlice"/> of wall-clock time.</summary>
    /// <param name="time">The reactor (or Clock) that schedules the turns.</param>
    /// <param name="started">False to hold the tasks until <see cref="Start"/> is called.</param>
    public Cooperator(IReactorTime time, bool started = true)
        : this(time, DefaultTimeSlice, started)
    {
    }

    /// <summary>A cooperator on <paramref name="time"/> whose turns last up to <paramref name="timeSlice"/> of wall-clock time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time slice is negative.</exception>
    public Cooperator(IReactorTime time, TimeSpan timeSlice, bool started = true)
        : this(time, SliceTimer(timeSlice), started)
    {
    }

    /// <summary>
    /// A cooperator on <paramref name="time"/> that asks <paramref name="terminationPredicateFactory"/> for a predicate
    /// at the start of each turn and ends the turn once that predicate returns true (checked after each step).
    /// </summary>
    public Cooperator(IReactorTime time, Func<Func<bool>> terminationPredicateFactory, bool started = true)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(terminationPredicateFactory);
        _time = time;
        _terminationPredicateFactory = terminationPredicateFactory;
        _started = started;
    }

    /// <summary>True once started and until <see cref="Stop"/>.</summary>
    public bool Running => _started && !_stopped;

    /// <summary>Tasks that are waiting for a turn (not paused, not finished).</summary>
    public int ActiveTasks => _tasks.Count;

    /// <summary>Starts running tasks; a cooperator created with <c>started: false</c> holds them until then.</summary>
    public void Start()
    {
        _stopped = false;
        _started = true;
        if (_mustScheduleOnStart)
        {
            _mustScheduleOnStart = false;
            Reschedule();
        }
    }

    /// <summary>Stops every task: each fails with <see cref="SchedulerStoppedException"/>, as does any task added later.</summary>
    public void Stop()
    {
        _stopped = true;
        var tasks = _tasks.ToArray();
        _tasks.Clear();
        _nextIndex = 0;
        foreach (var task in tasks)
        {
            task.CompleteWith(new SchedulerStoppedException(), removeFromScheduler: false);
        }

        CancelTurn();
    }

    /// <summary>Runs <paramref name="iterator"/> cooperatively; the returned task can be paused, resumed, stopped and waited for.</summary>
    public CooperativeTask Cooperate(IEnumerator iterator)
    {
        ArgumentNullException.ThrowIfNull(iterator);
        return new CooperativeTask(iterator, this);
    }

    /// <summary>Runs the iterator of <paramref name="enumerable"/> cooperatively.</summary>
    public CooperativeTask Cooperate(IEnumerable enumerable)
    {
        ArgumentNullException.ThrowIfNull(enumerable);
        return Cooperate(enumerable.GetEnumerator());
    }

    /// <summary>Runs <paramref name="iterator"/> cooperatively and returns a Deferred that fires when it is done (or fails with it).</summary>
    public Deferred<Unit> Coiterate(IEnumerator iterator) => Cooperate(iterator).WhenDone();

    /// <summary>Runs the iterator of <paramref name="enumerable"/> cooperatively and returns a Deferred that fires when it is done.</summary>
    public Deferred<Unit> Coiterate(IEnumerable enumerable) => Cooperate(enumerable).WhenDone();

    internal void AddTask(CooperativeTask task)
    {
        if (_stopped)
        {
            task.CompleteWith(new SchedulerStoppedException(), removeFromScheduler: false);
            return;
        }

        _tasks.Add(task);
        Reschedule();
    }

    internal void RemoveTask(CooperativeTask task)
    {
        var index = _tasks.IndexOf(task);
        if (index < 0)
        {
            return;
        }

        _tasks.RemoveAt(index);
        if (index < _nextIndex)
        {
            _nextIndex--;
        }

        if (_tasks.Count == 0)
        {
            _nextIndex = 0;
            CancelTurn();
        }
    }

    private void Turn()
    {
        _turn = null;
        var done = _terminationPredicateFactory();
        while (_tasks.Count > 0)
        {
            if (_nextIndex >= _tasks.Count)
            {
                _nextIndex = 0;
            }

            var task = _tasks[_nextIndex++];
            task.OneWorkUnit();
            if (done())
            {
                break;
            }
        }

        Reschedule();
    }

    private void Reschedule()
    {
        if (!_started)
        {
            _mustScheduleOnStart = true;
            return;
        }

        if (_turn is null && _tasks.Count > 0)
        {
            _turn = _time.CallLater(TurnDelay, Turn);
        }
    }

    private void CancelTurn()
    {
        if (_turn is not null)
        {
            if (_turn.Active)
            {
                _turn.Cancel();
            }

            _turn = null;
        }
    }

    private static Func<Func<bool>> SliceTimer(TimeSpan timeSlice)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeSlice, TimeSpan.Zero);
        return () =>
        {
            var end = Stopwatch.GetTimestamp() + (long)(timeSlice.TotalSeconds * Stopwatch.Frequency);
            return () => Stopwatch.GetTimestamp() >= end;
        };
    }
}
