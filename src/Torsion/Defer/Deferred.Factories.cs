namespace Torsion.Defer;

public abstract partial class Deferred
{
    /// <summary>A Deferred that has already fired with <paramref name="value"/>.</summary>
    public static Deferred<T> Succeed<T>(T value) => new(value);

    /// <summary>A <c>Deferred&lt;Unit&gt;</c> that has already fired.</summary>
    public static Deferred<Unit> Succeed() => Succeed(Unit.Value);

    /// <summary>A Deferred that has already failed with <paramref name="error"/> (logged if never handled).</summary>
    public static Deferred<T> Fail<T>(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var d = new Deferred<T>();
        d.Errback(error);
        return d;
    }

    /// <summary>Calls <paramref name="function"/> and wraps its value, or the exception it threw, in a fired Deferred.</summary>
    public static Deferred<T> MaybeDeferred<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        T value;
        try
        {
            value = function();
        }
        catch (Exception error)
        {
            return Fail<T>(error);
        }

        return Succeed(value);
    }

    /// <summary>Calls <paramref name="function"/> and returns its Deferred, or a failed one if it threw (or returned null).</summary>
    public static Deferred<T> MaybeDeferred<T>(Func<Deferred<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        try
        {
            return function() ?? Fail<T>(new InvalidOperationException($"The function given to MaybeDeferred returned a null Deferred<{TypeNames.Of(typeof(T))}>."));
        }
        catch (Exception error)
        {
            return Fail<T>(error);
        }
    }

    /// <summary>
    /// A Deferred that fires when <paramref name="task"/> completes, with its result or its exception (the single inner
    /// exception of a faulted Task, <see cref="TaskCanceledException"/> for a cancelled one). If a
    /// <see cref="SynchronizationContext"/> is current now (a reactor's), the Deferred fires on it; otherwise on the
    /// thread that completes the Task. Cancelling the Deferred does not cancel the Task; its later result is dropped.
    /// </summary>
    public static Deferred<T> FromTask<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompleted)
        {
            return CompletedFromTask(task);
        }

        var deferred = new Deferred<T>();
        var context = SynchronizationContext.Current;
        task.ContinueWith(
            static (t, state) =>
            {
                var (d, ctx) = ((Deferred<T>, SynchronizationContext?))state!;
                if (ctx is null || ctx == SynchronizationContext.Current)
                {
                    FireFromTask(d, t);
                }
                else
                {
                    ctx.Post(static s => { var (d2, t2) = ((Deferred<T>, Task<T>))s!; FireFromTask(d2, t2); }, (d, t));
                }
            },
            (deferred, context),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return deferred;
    }

    /// <summary>As <see cref="FromTask{T}(Task{T})"/> for a Task without a value: the Deferred fires with <see cref="Unit.Value"/>.</summary>
    public static Deferred<Unit> FromTask(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return FromTask(task is Task<Unit> typed ? typed : ToUnitTask(task));
    }

    /// <summary>
    /// A Deferred that fires with all the results, in the order given, once every Deferred has a value; it fails with
    /// <see cref="FirstErrorException"/> (naming the index, wrapping the failure) as soon as one fails (Twisted's
    /// gatherResults). With <paramref name="consumeErrors"/> the failures are handled in the source Deferreds (their
    /// result becomes <c>default</c>); otherwise they stay there and are logged if nobody handles them.
    /// Cancelling the returned Deferred cancels every source.
    /// </summary>
    public static Deferred<IReadOnlyList<T>> Gather<T>(IEnumerable<Deferred<T>> deferreds, bool consumeErrors = false)
    {
        ArgumentNullException.ThrowIfNull(deferreds);
        var sources = deferreds.ToArray();
        var results = new T[sources.Length];
        var remaining = sources.Length;
        var gathered = new Deferred<IReadOnlyList<T>>(_ =>
        {
            foreach (var source in sources)
            {
                source.Cancel();
            }
        });
        if (remaining == 0)
        {
            gathered.Callback(results);
            return gathered;
        }

        for (var i = 0; i < sources.Length; i++)
        {
            var index = i;
            sources[i].AddBoth(r =>
            {
                if (gathered.Called)
                {
                    return;
                }

                if (!r.Success)
                {
                    gathered.Errback(new FirstErrorException(index, r.Error!));
                    return;
                }

                results[index] = r.Value;
                if (--remaining == 0)
                {
                    gathered.Callback(results);
                }
            });
            if (consumeErrors)
            {
                sources[i].AddErrback(static T (Exception _) => default!);
            }
        }

        return gathered;
    }

    /// <summary>
    /// A Deferred that fires with the first value any of <paramref name="deferreds"/> produces, and its index; the others
    /// are then cancelled. Failures of the sources are handled here; if all fail, it fails with an
    /// <see cref="AggregateException"/> of every failure, in order. Cancelling it cancels every source.
    /// </summary>
    /// <exception cref="ArgumentException">No Deferreds were given.</exception>
    public static Deferred<(int Index, T Value)> Race<T>(IEnumerable<Deferred<T>> deferreds)
    {
        ArgumentNullException.ThrowIfNull(deferreds);
        var sources = deferreds.ToArray();
        if (sources.Length == 0)
        {
            throw new ArgumentException("Race needs at least one Deferred.", nameof(deferreds));
        }

        var failures = new Exception?[sources.Length];
        var failed = 0;
        var winner = new Deferred<(int Index, T Value)>(_ =>
        {
            foreach (var source in sources)
            {
                source.Cancel();
            }
        });

        for (var i = 0; i < sources.Length; i++)
        {
            var index = i;
            sources[i].AddCallbacks(
                value =>
                {
                    if (!winner.Called)
                    {
                        winner.Callback((index, value));
                        for (var j = 0; j < sources.Length; j++)
                        {
                            if (j != index)
                            {
                                sources[j].Cancel();
                            }
                        }
                    }

                    return value;
                },
                error =>
                {
                    failures[index] = error;
                    if (++failed == sources.Length && !winner.Called)
                    {
                        winner.Errback(new AggregateException($"All {sources.Length} Deferreds in the race failed.", failures!));
                    }

                    return default!;
                });
        }

        return winner;
    }

    private static Deferred<T> CompletedFromTask<T>(Task<T> task)
    {
        T value;
        try
        {
            value = task.GetAwaiter().GetResult();
        }
        catch (Exception error)
        {
            return Fail<T>(error);
        }

        return Succeed(value);
    }

    private static void FireFromTask<T>(Deferred<T> deferred, Task<T> task)
    {
        T value;
        try
        {
            value = task.GetAwaiter().GetResult();
        }
        catch (Exception error)
        {
            deferred.Errback(error);
            return;
        }

        deferred.Callback(value);
    }

    private static async Task<Unit> ToUnitTask(Task task)
    {
        await task.ConfigureAwait(false);
        return Unit.Value;
    }
}
