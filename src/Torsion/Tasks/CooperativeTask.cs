using System.Collections;
using Torsion.Defer;

namespace Torsion.Tasks;

/// <summary>
/// One iterator run by a <see cref="Cooperator"/> (Twisted's <c>CooperativeTask</c>): it advances one step per turn
/// while it is neither paused nor finished.
/// </summary>
/// <remarks>When the task ends (done, failed or stopped) its iterator is disposed, so <c>finally</c> blocks in it run.</remarks>
public sealed class CooperativeTask
{
    private readonly IEnumerator _iterator;
    private readonly Cooperator _cooperator;
    private List<Deferred<Unit>>? _waiters;
    private int _pauseCount;
    private bool _finished;
    private Exception? _failure;

    internal CooperativeTask(IEnumerator iterator, Cooperator cooperator)
    {
        _iterator = iterator;
        _cooperator = cooperator;
        cooperator.AddTask(this);
    }

    /// <summary>True once the iterator finished, failed or the task was stopped.</summary>
    public bool Finished => _finished;

    /// <summary>True while paused (by <see cref="Pause"/> or while waiting on a Deferred the iterator yielded).</summary>
    public bool Paused => _pauseCount > 0;

    /// <summary>
    /// A new Deferred that fires when the iterator has finished, or fails with what it threw, with the failure of a
    /// Deferred it yielded, with <see cref="TaskStoppedException"/> or with <see cref="SchedulerStoppedException"/>.
    /// </summary>
    public Deferred<Unit> WhenDone()
    {
        var deferred = new Deferred<Unit>();
        if (!_finished)
        {
            (_waiters ??= []).Add(deferred);
        }
        else if (_failure is null)
        {
            deferred.Callback(Unit.Value);
        }
        else
        {
            deferred.Errback(_failure);
        }

        return deferred;
    }

    /// <summary>Pauses the task: it gets no turns until a matching <see cref="Resume"/> (pauses nest).</summary>
    /// <exception cref="InvalidOperationException">The task has finished.</exception>
    public void Pause()
    {
        EnsureNotFinished("pause");
        _pauseCount++;
        if (_pauseCount == 1)
        {
            _cooperator.RemoveTask(this);
        }
    }

    /// <summary>Undoes one <see cref="Pause"/>; the task gets turns again once every pause is undone.</summary>
    /// <exception cref="InvalidOperationException">The task is not paused.</exception>
    public void Resume()
    {
        if (_pauseCount == 0)
        {
            throw new InvalidOperationException("Resume was called on a cooperative task that is not paused.");
        }

        _pauseCount--;
        if (_pauseCount == 0 && !_finished)
        {
            _cooperator.AddTask(this);
        }
    }

    /// <summary>Stops the task: its iterator is not advanced again and <see cref="WhenDone"/> fails with <see cref="TaskStoppedException"/>.</summary>
    /// <exception cref="InvalidOperationException">The task has finished.</exception>
    public void Stop()
    {
        EnsureNotFinished("stop");
        CompleteWith(new TaskStoppedException(), removeFromScheduler: true);
    }

    /// <summary>Advances the iterator one step.</summary>
    internal void OneWorkUnit()
    {
        object? current;
        try
        {
            if (!_iterator.MoveNext())
            {
                CompleteWith(null, removeFromScheduler: true);
                return;
            }

            current = _iterator.Current;
        }
        catch (Exception error)
        {
            CompleteWith(error, removeFromScheduler: true);
            return;
        }

        if (current is Deferred yielded)
        {
            Pause();
            WaitOn(yielded);
        }
    }

    /// <summary>Ends the task with <paramref name="failure"/> (null: done) and fires every waiter.</summary>
    internal void CompleteWith(Exception? failure, bool removeFromScheduler)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _failure = failure;
        if (removeFromScheduler && _pauseCount == 0)
        {
            _cooperator.RemoveTask(this);
        }

        if (_iterator is IDisposable disposable)
        {
            try
            {
                disposable.Dispose();
            }
            catch (Exception error) when (failure is null)
            {
                _failure = failure = error;
            }
        }

        var waiters = _waiters;
        _waiters = null;
        if (waiters is null)
        {
            return;
        }

        foreach (var waiter in waiters)
        {
            if (failure is null)
            {
                waiter.Callback(Unit.Value);
            }
            else
            {
                waiter.Errback(failure);
            }
        }
    }

    private void WaitOn(Deferred yielded)
    {
        // Any Deferred type: an untyped hook sees the chain's outcome without knowing its value type.
        DeferredObserver.Observe(yielded, error =>
        {
            if (error is null)
            {
                if (!_finished)
                {
                    Resume();
                }
            }
            else
            {
                CompleteWith(error, removeFromScheduler: false);
            }
        });
    }

    private void EnsureNotFinished(string verb)
    {
        if (_finished)
        {
            var state = _failure switch
            {
                null => "finished",
                TaskStoppedException => "been stopped",
                SchedulerStoppedException => "been stopped with its Cooperator",
                _ => $"failed ({_failure.GetType().Name}: {_failure.Message})",
            };
            throw new InvalidOperationException($"Cannot {verb} a cooperative task that has {state}.");
        }
    }
}
