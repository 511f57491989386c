namespace Torsion.Defer;

/// <summary>
/// A queue whose <see cref="Get"/> returns a Deferred (Twisted's DeferredQueue): it fires at once if an item is
/// pending, else when the next <see cref="Put"/> arrives. Both the pending items and the waiting gets are bounded.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class DeferredQueue<T>
{
    /// <summary>The default limit on pending items (65 536).</summary>
    public const int DefaultSize = 65_536;

    /// <summary>The default limit on waiting gets (65 536).</summary>
    public const int DefaultBacklog = 65_536;

    private readonly Queue<T> _pending = new();
    private readonly List<Deferred<T>> _waiting = [];

    /// <summary>Creates a queue holding at most <paramref name="size"/> items and <paramref name="backlog"/> waiting gets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is negative.</exception>
    public DeferredQueue(int size = DefaultSize, int backlog = DefaultBacklog)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfNegative(backlog);
        Size = size;
        Backlog = backlog;
    }

    /// <summary>The most items that may be pending.</summary>
    public int Size { get; }

    /// <summary>The most gets that may be waiting.</summary>
    public int Backlog { get; }

    /// <summary>Items put and not yet taken.</summary>
    public int Pending => _pending.Count;

    /// <summary>Gets waiting for an item.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Hands <paramref name="item"/> to the oldest waiting get, or keeps it pending.</summary>
    /// <exception cref="QueueOverflowException">No get is waiting and <see cref="Size"/> items are already pending.</exception>
    public void Put(T item)
    {
        if (_waiting.Count > 0)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            next.Callback(item);
            return;
        }

        if (_pending.Count >= Size)
        {
            throw new QueueOverflowException($"The DeferredQueue is full: {_pending.Count} items are pending and its size limit is {Size}.");
        }

        _pending.Enqueue(item);
    }

    /// <summary>A Deferred that fires with the next item; cancelling it while it waits removes it from the queue's waiters.</summary>
    /// <exception cref="QueueUnderflowException">No item is pending and <see cref="Backlog"/> gets are already waiting.</exception>
    public Deferred<T> Get()
    {
        if (_pending.Count > 0)
        {
            return Deferred.Succeed(_pending.Dequeue());
        }

        if (_waiting.Count >= Backlog)
        {
            throw new QueueUnderflowException($"The DeferredQueue has no items and its backlog is full: {_waiting.Count} gets are waiting and its backlog limit is {Backlog}.");
        }

        var waiter = new Deferred<T>(d => _waiting.Remove(d));
        _waiting.Add(waiter);
        return waiter;
    }
}
