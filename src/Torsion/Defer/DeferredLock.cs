namespace Torsion.Defer;

/// <summary>A lock for code that runs on one thread but waits on Deferreds (Twisted's DeferredLock); waiters are served in order.</summary>
public sealed class DeferredLock
{
    private readonly List<Deferred<DeferredLock>> _waiting = [];

    /// <summary>True while someone holds the lock.</summary>
    public bool Locked { get; private set; }

    /// <summary>How many <see cref="Acquire"/> calls are waiting.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>A Deferred that fires (with this lock) once the caller holds the lock; cancelling it while waiting gives up the place in line.</summary>
    public Deferred<DeferredLock> Acquire()
    {
        if (!Locked)
        {
            Locked = true;
            return Deferred.Succeed(this);
        }

        var waiter = new Deferred<DeferredLock>(d => _waiting.Remove(d));
        _waiting.Add(waiter);
        return waiter;
    }

    /// <summary>Releases the lock, handing it to the first waiter if there is one.</summary>
    /// <exception cref="InvalidOperationException">The lock is not held.</exception>
    public void Release()
    {
        if (!Locked)
        {
            throw new InvalidOperationException("DeferredLock.Release was called while the lock is not held.");
        }

        Locked = false;
        if (_waiting.Count > 0)
        {
            Locked = true;
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            next.Callback(this);
        }
    }

    /// <summary>Acquires the lock, runs <paramref name="function"/>, and releases the lock when its Deferred fires.</summary>
    public Deferred<T> Run<T>(Func<Deferred<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Acquire().AddCallback(_ => Deferred.MaybeDeferred(function).AddBoth(_ => Release()));
    }

    /// <summary>Acquires the lock, runs <paramref name="function"/>, and releases the lock.</summary>
    public Deferred<T> Run<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Acquire().AddCallback(_ => Deferred.MaybeDeferred(function).AddBoth(_ => Release()));
    }
}
