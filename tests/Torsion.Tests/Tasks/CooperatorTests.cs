using System.Collections;
using Torsion.Defer;
using Torsion.Tasks;
using Torsion.Testing;

namespace Torsion.Tests.Tasks;

public sealed class CooperatorTests
{
    private static readonly TimeSpan Turn = TimeSpan.FromMilliseconds(1);

    /// <summary>A termination predicate that ends each turn after <paramref name="steps"/> steps.</summary>
    private static Func<Func<bool>> StepsPerTurn(int steps) => () =>
    {
        var left = steps;
        return () => --left <= 0;
    };

    private static IEnumerable<int> Count(List<string> log, string name, int n)
    {
        for (var i = 0; i < n; i++)
        {
            log.Add($"{name}{i}");
            yield return i;
        }
    }

    [Fact]
    public void Tasks_take_turns_round_robin_within_the_slice()
    {
        var clock = new Clock();
        var log = new List<string>();
        var cooperator = new Cooperator(clock, StepsPerTurn(3));
        cooperator.Cooperate(Count(log, "a", 3));
        cooperator.Cooperate(Count(log, "b", 3));

        Assert.Empty(log);                  // nothing runs until the reactor gets a turn
        clock.Advance(Turn);
        Assert.Equal(["a0", "b0", "a1"], log);
        clock.Advance(Turn);
        Assert.Equal(["a0", "b0", "a1", "b1", "a2", "b2"], log);
    }

    [Fact]
    public void One_turn_stops_when_the_termination_predicate_says_so()
    {
        var clock = new Clock();
        var log = new List<string>();
        var cooperator = new Cooperator(clock, StepsPerTurn(2));
        cooperator.Cooperate(Count(log, "a", 100));

        clock.Advance(Turn);

        Assert.Equal(2, log.Count);
        Assert.Single(clock.PendingCalls);  // the next turn is scheduled, not run now
    }

    [Fact]
    public void The_default_time_slice_ends_a_turn_of_an_endless_task()
    {
        var clock = new Clock();
        var steps = 0;
        IEnumerable<int> Endless()
        {
            while (true)
            {
                steps++;
                yield return 0;
            }
        }

        var cooperator = new Cooperator(clock, TimeSpan.FromMilliseconds(5));
        var task = cooperator.Cooperate(Endless());
        clock.Advance(Turn);                // returns only because the 5 ms slice ends the turn

        Assert.True(steps > 0);
        Assert.False(task.Finished);
        task.Stop();
    }

    [Fact]
    public void WhenDone_fires_once_the_iterator_finishes_and_the_iterator_is_disposed()
    {
        var clock = new Clock();
        var log = new List<string>();
        var disposed = false;
        IEnumerable<int> Work()
        {
            try
            {
                yield return 1;
                yield return 2;
            }
            finally
            {
                disposed = true;
            }
        }

        var cooperator = new Cooperator(clock, StepsPerTurn(10));
        var task = cooperator.Cooperate(Work());
        var done = task.WhenDone();

        clock.Advance(Turn);

        Assert.True(done.Called);
        Assert.True(task.Finished);
        Assert.True(disposed);
        Assert.True(task.WhenDone().Called);   // asked after the end: fires at once
        Assert.Empty(clock.PendingCalls);
        Assert.Equal(0, cooperator.ActiveTasks);
    }

    [Fact]
    public void A_throwing_iterator_fails_its_task()
    {
        var clock = new Clock();
        IEnumerable<int> Broken()
        {
            yield return 1;
            throw new InvalidDataException("broken step");
        }

        var done = new Cooperator(clock, StepsPerTurn(10)).Coiterate(Broken());
        clock.Advance(Turn);

        Assert.Equal("broken step", Assert.Throws<InvalidDataException>(() => Fired.Value(done)).Message);
    }

    [Fact]
    public void A_yielded_deferred_pauses_only_its_task_until_it_fires()
    {
        var clock = new Clock();
        var log = new List<string>();
        var gate = new Deferred<string>();
        IEnumerable Waiting()
        {
            log.Add("w0");
            yield return gate;
            log.Add("w1");
        }

        var cooperator = new Cooperator(clock, StepsPerTurn(100));
        var waiting = cooperator.Cooperate(Waiting());
        cooperator.Cooperate(Count(log, "b", 3));

        clock.Advance(Turn);
        Assert.Equal(["w0", "b0", "b1", "b2"], log);
        Assert.True(waiting.Paused);

        clock.Advance(Turn);
        Assert.Equal(4, log.Count);         // still waiting on the gate

        gate.Callback("open");
        Assert.False(waiting.Paused);
        clock.Advance(Turn);
        Assert.Equal(["w0", "b0", "b1", "b2", "w1"], log);
        Assert.True(waiting.Finished);
    }

    [Fact]
    public void A_yielded_deferred_that_fails_fails_the_task()
    {
        var clock = new Clock();
        var gate = new Deferred<int>();
        IEnumerable Waiting()
        {
            yield return gate;
        }

        var done = new Cooperator(clock, StepsPerTurn(10)).Coiterate(Waiting());
        clock.Advance(Turn);
        gate.Errback(new TimeoutException("gate"));

        Assert.Throws<TimeoutException>(() => Fired.Value(done));
    }

    [Fact]
    public void Pause_and_resume_hold_a_task_and_pauses_nest()
    {
        var clock = new Clock();
        var log = new List<string>();
        var cooperator = new Cooperator(clock, StepsPerTurn(1));
        var task = cooperator.Cooperate(Count(log, "a", 3));

        task.Pause();
        task.Pause();
        clock.Pump(1, 1);
        Assert.Empty(log);
        Assert.Empty(clock.PendingCalls);   // nothing to do: no turn is scheduled

        task.Resume();
        clock.Advance(Turn);
        Assert.Empty(log);
        task.Resume();
        clock.Advance(Turn);
        Assert.Equal(["a0"], log);
    }

    [Fact]
    public void Resume_on_a_task_that_is_not_paused_throws()
    {
        var task = new Cooperator(new Clock()).Cooperate(new[] { 1 });

        var error = Assert.Throws<InvalidOperationException>(task.Resume);
        Assert.Equal("Resume was called on a cooperative task that is not paused.", error.Message);
    }

    [Fact]
    public void Stop_fails_the_task_with_TaskStoppedException_and_disposes_the_iterator()
    {
        var clock = new Clock();
        var log = new List<string>();
        var disposed = false;
        IEnumerable<int> Work()
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    log.Add($"s{i}");
                    yield return i;
                }
            }
            finally
            {
                disposed = true;
            }
        }

        var task = new Cooperator(clock, StepsPerTurn(1)).Cooperate(Work());
        var done = task.WhenDone();
        clock.Advance(Turn);
        task.Stop();
        clock.Pump(1, 1);

        Assert.Equal(["s0"], log);
        Assert.True(disposed);
        Assert.Throws<TaskStoppedException>(() => Fired.Value(done));
        var error = Assert.Throws<InvalidOperationException>(task.Stop);
        Assert.Equal("Cannot stop a cooperative task that has been stopped.", error.Message);
    }

    [Fact]
    public void Pausing_a_finished_task_throws()
    {
        var clock = new Clock();
        var task = new Cooperator(clock).Cooperate(Array.Empty<int>());
        clock.Advance(Turn);

        var error = Assert.Throws<InvalidOperationException>(task.Pause);
        Assert.Equal("Cannot pause a cooperative task that has finished.", error.Message);
    }

    [Fact]
    public void Stopping_the_cooperator_fails_every_task_and_any_added_later()
    {
        var clock = new Clock();
        var cooperator = new Cooperator(clock, StepsPerTurn(1));
        var a = cooperator.Coiterate(new[] { 1, 2, 3 });
        var b = cooperator.Coiterate(new[] { 1, 2, 3 });

        cooperator.Stop();
        var late = cooperator.Coiterate(new[] { 1 });

        Assert.False(cooperator.Running);
        Assert.Empty(clock.PendingCalls);
        Assert.Throws<SchedulerStoppedException>(() => Fired.Value(a));
        Assert.Throws<SchedulerStoppedException>(() => Fired.Value(b));
        Assert.Throws<SchedulerStoppedException>(() => Fired.Value(late));
    }

    [Fact]
    public void A_cooperator_created_stopped_holds_tasks_until_Start()
    {
        var clock = new Clock();
        var log = new List<string>();
        var cooperator = new Cooperator(clock, StepsPerTurn(10), started: false);
        var done = cooperator.Coiterate(Count(log, "a", 2));

        clock.Pump(1, 1);
        Assert.Empty(log);
        Assert.False(cooperator.Running);

        cooperator.Start();
        clock.Advance(Turn);
        Assert.Equal(["a0", "a1"], log);
        Assert.True(done.Called);
    }

    [Fact]
    public void Many_tasks_all_finish()
    {
        var clock = new Clock();
        var cooperator = new Cooperator(clock, StepsPerTurn(7));
        var sums = new int[50];
        IEnumerable<int> Sum(int index)
        {
            for (var i = 1; i <= 10; i++)
            {
                sums[index] += i;
                yield return i;
            }
        }

        var all = Deferred.Gather(Enumerable.Range(0, 50).Select(i => cooperator.Coiterate(Sum(i))));
        for (var turn = 0; turn < 200 && !all.Called; turn++)
        {
            clock.Advance(Turn);
        }

        Assert.True(all.Called);
        Assert.All(sums, s => Assert.Equal(55, s));
    }
}
