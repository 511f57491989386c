namespace Torsion.Defer;

/// <summary>
/// Waits for a list of Deferreds and reports each outcome, after Twisted's DeferredList. <see cref="Deferred"/> fires
/// with <see cref="Results"/> once every source has fired; with fireOnOneCallback, as soon as one succeeds; with
/// fireOnOneErrback it fails with <see cref="FirstErrorException"/> as soon as one fails.
/// </summary>
/// <typeparam name="T">The value type of the sources.</typeparam>
public sealed class DeferredList<T>
{
    private readonly Deferred<T>[] _sources;
    private readonly DeferredResult<T>[] _results;
    private int _remaining;

    /// <summary>Starts waiting on <paramref name="deferreds"/>.</summary>
    /// <param name="deferreds">The sources, in the order their results are reported.</param>
    /// <param name="fireOnOneCallback">Fire as soon as one source succeeds (<see cref="FiredIndex"/> says which).</param>
    /// <param name="fireOnOneErrback">Fail with <see cref="FirstErrorException"/> as soon as one source fails.</param>
    /// <param name="consumeErrors">Handle the sources' failures (their result becomes <c>default</c>) so they are not logged.</param>
    public DeferredList(IEnumerable<Deferred<T>> deferreds, bool fireOnOneCallback = false, bool fireOnOneErrback = false, bool consumeErrors = false)
    {
        ArgumentNullException.ThrowIfNull(deferreds);
        _sources = deferreds.ToArray();
        _results = new DeferredResult<T>[_sources.Length];
        _remaining = _sources.Length;
        Deferred = new Deferred<IReadOnlyList<DeferredResult<T>>>(_ =>
        {
            foreach (var source in _sources)
            {
                source.Cancel();
            }
        });

        if (_remaining == 0)
        {
            Deferred.Callback(_results);
            return;
        }

        for (var i = 0; i < _sources.Length; i++)
        {
            var index = i;
            _sources[i].AddBoth(r => OnResult(index, r, fireOnOneCallback, fireOnOneErrback));
            if (consumeErrors)
            {
                _sources[i].AddErrback(static T (Exception _) => default!);
            }
        }
    }

    /// <summary>Fires with <see cref="Results"/> (or fails with <see cref="FirstErrorException"/>); cancelling it cancels every source.</summary>
    public Deferred<IReadOnlyList<DeferredResult<T>>> Deferred { get; }

    /// <summary>The outcome of each source, in order; a source that has not fired yet reads as (false, default, null).</summary>
    public IReadOnlyList<DeferredResult<T>> Results => _results;

    /// <summary>The index of the source that fired the list early (fireOnOneCallback/fireOnOneErrback), or -1.</summary>
    public int FiredIndex { get; private set; } = -1;

    private void OnResult(int index, DeferredResult<T> result, bool fireOnOneCallback, bool fireOnOneErrback)
    {
        _results[index] = result;
        _remaining--;
        if (Deferred.Called)
        {
            return;
        }

        if (result.Success && fireOnOneCallback)
        {
            FiredIndex = index;
            Deferred.Callback(_results);
        }
        else if (!result.Success && fireOnOneErrback)
        {
            FiredIndex = index;
            Deferred.Errback(new FirstErrorException(index, result.Error!));
        }
        else if (_remaining == 0)
        {
            Deferred.Callback(_results);
        }
    }
}
