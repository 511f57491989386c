namespace Torsion.Defer;

/// <summary>Limits how many Deferred-returning operations run at once (Twisted's DeferredSemaphore); waiters are served in order.</summary>
public sealed class DeferredSemaphore
{
    private readonly List<Deferred<DeferredSemaphore>> _waiting = [];

    /// <summary>Creates a semaphore with <paramref name="tokens"/> tokens.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tokens"/> is less than 1.</exception>
    public DeferredSemaphore(int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        Tokens = tokens;
        Limit = tokens;
    }

    /// <summary>Tokens available now.</summary>
    public int Tokens { get; private set; }

    /// <summary>Tokens in total.</summary>
    public int Limit { get; }

    /// <summary>How many <see cref="Acquire"/> calls are waiting.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>A Deferred that fires (with this semaphore) once the caller holds a token; cancelling it while waiting gives up the place in line.</summary>
    public Deferred<DeferredSemaphore> Acquire()
    {
        if (Tokens > 0)
        {
            Tokens--;
            return Deferred.Succeed(this);
        }

        var waiter = new Deferred<DeferredSemaphore>(d => _waiting.Remove(d));
        _waiting.Add(waiter);
        return waiter;
    }

    /// <summary>Returns a token, handing it to the first waiter if there is one.</summary>
    /// <exception cref="InvalidOperationException">All tokens are already free (more releases than acquires).</exception>
    public void Release()
    {
        if (Tokens >= Limit)
        {
            throw new InvalidOperationException($"DeferredSemaphore.Release was called with all {Limit} tokens already free.");
        }

        Tokens++;
        if (_waiting.Count > 0)
        {
            Tokens--;
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            next.Callback(this);
        }
    }

    /// <summary>Acquires a token, runs <paramref name="function"/>, and returns the token when its Deferred fires.</summary>
    public Deferred<T> Run<T>(Func<Deferred<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Acquire().AddCallback(_ => Deferred.MaybeDeferred(function).AddBoth(_ => Release()));
    }

    /// <summary>Acquires a token, runs <paramref name="function"/>, and returns the token.</summary>
    public Deferred<T> Run<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Acquire().AddCallback(_ => Deferred.MaybeDeferred(function).AddBoth(_ => Release()));
    }
}
