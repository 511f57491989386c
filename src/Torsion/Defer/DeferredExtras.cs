namespace Torsion.Defer;

/// <summary>The rarely used state of a Deferred's chain, allocated only when needed so a plain Deferred stays small.</summary>
internal sealed class DeferredExtras
{
    /// <summary>The canceller given at construction (<c>Action&lt;Deferred&lt;T&gt;&gt;</c>) or an <see cref="ICancelHook"/>.</summary>
    public object? Canceller;

    /// <summary>The finalizable tracker while the chain rests on an unhandled failure.</summary>
    public FailureTracker? Tracker;

    /// <summary>The chain's current typed view after a type-changing callback (null: the owner).</summary>
    public Deferred? CurrentView;
}
