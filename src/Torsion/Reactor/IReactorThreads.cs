namespace Torsion.Reactor;

/// <summary>Crossing between the reactor thread and other threads.</summary>
public interface IReactorThreads
{
    /// <summary>
    /// Runs <paramref name="action"/> on the reactor thread soon, waking the loop if it sleeps. Callable from any
    /// thread; calls run in the order they were made.
    /// </summary>
    void CallFromThread(Action action);

    /// <summary>Runs <paramref name="action"/> on the reactor's bounded thread pool.</summary>
    void CallInThread(Action action);

    /// <summary>Sets the most threads the pool may run at once (default 10).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is less than 1.</exception>
    void SuggestThreadPoolSize(int size);

    /// <summary>True when called on this reactor's thread.</summary>
    bool IsInReactorThread { get; }
}
