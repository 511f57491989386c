namespace Torsion.Reactor;

/// <summary>Running and stopping a reactor, and the system events (startup, shutdown) around it.</summary>
public interface IReactorCore
{
    /// <summary>True from the start of <see cref="Run"/> until the shutdown has finished.</summary>
    bool Running { get; }

    /// <summary>Runs the loop on the calling thread until <see cref="Stop"/> has shut the reactor down.</summary>
    /// <exception cref="InvalidOperationException">The reactor runs already or has run before (a reactor cannot be restarted).</exception>
    void Run();

    /// <summary>
    /// Starts the shutdown: fires the shutdown triggers, stops listening, lets every connection finish its writes
    /// (bounded by the shutdown timeout), then makes <see cref="Run"/> return. Callable from any thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reactor is not running or is already stopping.</exception>
    void Stop();

    /// <summary>Runs <paramref name="action"/> once the reactor runs (at once, later in this turn, if it runs already).</summary>
    void CallWhenRunning(Action action);

    /// <summary>
    /// Adds a trigger for a phase of a system event; phases run in order Before, During, After.
    /// Returns a handle for <see cref="RemoveSystemEventTrigger"/>.
    /// </summary>
    object AddSystemEventTrigger(SystemEventPhase phase, SystemEventType eventType, Action trigger);

    /// <summary>
    /// Adds a trigger that may return a pending Deferred: the event waits until it fires before the next phase
    /// starts (a failure is logged, not fatal). Returns a handle for <see cref="RemoveSystemEventTrigger"/>.
    /// </summary>
    object AddSystemEventTrigger<T>(SystemEventPhase phase, SystemEventType eventType, Func<Torsion.Defer.Deferred<T>?> trigger);

    /// <summary>Removes a trigger added by <c>AddSystemEventTrigger</c>.</summary>
    /// <exception cref="ArgumentException">The handle is not a trigger of this reactor (or was removed already).</exception>
    void RemoveSystemEventTrigger(object handle);
}
