namespace Torsion.Reactor;

/// <summary>
/// The pending calls of one reactor: a binary min-heap on (time, sequence) where each call knows its index, so
/// the next due call costs O(1) to find and cancel/reset cost O(log n). A million pending calls cost memory only.
/// </summary>
internal sealed class TimerQueue
{
    private DelayedCall[] _heap = new DelayedCall[16];
    private long _sequence;

    public int Count { get; private set; }

    /// <summary>The time of the soonest call, or +infinity.</summary>
    public double NextTime => Count == 0 ? double.PositiveInfinity : _heap[0].Time;

    public void Add(DelayedCall call)
    {
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        call.Sequence = _sequence++;
        call.HeapIndex = Count;
        _heap[Count++] = call;
        SiftUp(call.HeapIndex);
    }

    public void Remove(DelayedCall call)
    {
        var index = call.HeapIndex;
        if (index < 0)
        {
            return;
        }

        call.HeapIndex = -1;
        var last = _heap[--Count];
        _heap[Count] = null!;
        if (index == Count)
        {
            return;
        }

        _heap[index] = last;
        last.HeapIndex = index;
        Fix(index);
    }

    /// <summary>Moves a queued call to a new time.</summary>
    public void Update(DelayedCall call, double time)
    {
        call.Time = time;
        call.Sequence = _sequence++;
        Fix(call.HeapIndex);
    }

    /// <summary>Takes the soonest call if it is due at <paramref name="now"/>.</summary>
    public DelayedCall? PopDue(double now)
    {
        if (Count == 0 || _heap[0].Time > now)
        {
            return null;
        }

        var call = _heap[0];
        Remove(call);
        return call;
    }

    private void Fix(int index)
    {
        if (index > 0 && Less(_heap[index], _heap[(index - 1) / 2]))
        {
            SiftUp(index);
        }
        else
        {
            SiftDown(index);
        }
    }

    private static bool Less(DelayedCall a, DelayedCall b) =>
        a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);

    private void SiftUp(int index)
    {
        var item = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (!Less(item, _heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var item = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && Less(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            if (!Less(_heap[child], item))
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }
}
