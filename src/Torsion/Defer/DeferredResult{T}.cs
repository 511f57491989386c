namespace Torsion.Defer;

/// <summary>
/// The outcome of a Deferred as seen by <c>AddBoth</c> callbacks and <see cref="DeferredList{T}"/>: a value when
/// <see cref="Success"/> is true, otherwise the <see cref="Error"/>.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Success">True if the Deferred produced a value.</param>
/// <param name="Value">The value; <c>default</c> when <paramref name="Success"/> is false.</param>
/// <param name="Error">The failure; null when <paramref name="Success"/> is true (and for a Deferred that has not fired).</param>
public readonly record struct DeferredResult<T>(bool Success, T Value, Exception? Error);
