using Torsion.Protocols;
using Torsion.Transports.Tcp;

namespace Torsion.Reactor;

public unsafe partial class ReactorBase
{
    // ---- the loop ----

    private void RunOnce()
    {
        Poll(NextTimeoutMs());
        RunThreadCalls();
        RunTimers();
        FlushPending();
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever) for readiness and dispatches it.</summary>
    /// <remarks>Only the built-in loop of <see cref="RunLoop"/> calls it; a reactor driven by a foreign loop throws.</remarks>
    private protected abstract void Poll(int timeoutMs);

    /// <summary>Wakes a loop sleeping in <see cref="Poll"/>; callable from any thread.</summary>
    private protected abstract void Wake();

    private void RunThreadCalls()
    {
        Volatile.Write(ref _wakePending, 0);
        var count = _threadCalls.Count;
        while (count-- > 0 && _threadCalls.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(Logger, "A call from another thread", e);
            }
        }
    }

    private void RunTimers()
    {
        if (Timers.Count == 0)
        {
            return;
        }

        var now = Seconds();
        var limit = Timers.Count;
        while (limit-- > 0)
        {
            var call = Timers.PopDue(now);
            if (call is null)
            {
                break;
            }

            try
            {
                call.Take()();
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(Logger, "A delayed call", e);
            }
        }
    }

    /// <summary>Queues a flush for when the current batch of events ends (one send per connection per batch).</summary>
    internal void RequestFlush(IBatchFlush flush)
    {
        if (!flush.FlushRequested)
        {
            flush.FlushRequested = true;
            _flushList.Add(flush);
            if (_flushList.Count == 1)
            {
                NoteWorkQueued();
            }
        }
    }

    private void FlushPending()
    {
        if (_flushList.Count == 0)
        {
            return;
        }

        (_flushing, _flushList) = (_flushList, _flushing);
        foreach (var flush in _flushing)
        {
            flush.FlushRequested = false;
            try
            {
                flush.FlushBatch();
            }
            catch (Exception e)
            {
                ReactorLog.CallbackFailed(Logger, $"Flushing {flush}", e);
            }
        }

        _flushing.Clear();
    }

    /// <summary>Calls DoRead and drops the descriptor if it returns a reason or throws.</summary>
    internal void DispatchRead(IReadDescriptor reader)
    {
        Exception? reason;
        try
        {
            reason = reader.DoRead();
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(Logger, reader.ToString() ?? reader.GetType().Name, e);
            reason = e;
        }

        if (reason is not null)
        {
            Disconnect(reader, reason);
        }
    }

    /// <summary>Calls DoWrite and drops the descriptor if it returns a reason or throws.</summary>
    internal void DispatchWrite(IWriteDescriptor writer)
    {
        Exception? reason;
        try
        {
            reason = writer.DoWrite();
        }
        catch (Exception e)
        {
            ReactorLog.DescriptorFailed(Logger, writer.ToString() ?? writer.GetType().Name, e);
            reason = e;
        }

        if (reason is not null)
        {
            Disconnect(writer, reason);
        }
    }

    private void Disconnect(IDescriptor descriptor, Exception reason)
    {
        if (descriptor is IReadDescriptor r)
        {
            RemoveReader(r);
        }

        if (descriptor is IWriteDescriptor w)
        {
            RemoveWriter(w);
        }

        try
        {
            descriptor.ConnectionLost(reason);
        }
        catch (Exception e)
        {
            ReactorLog.CallbackFailed(Logger, $"ConnectionLost of {descriptor}", e);
        }
    }

    /// <summary>Throws the error that tells to use CallFromThread when not on the reactor thread.</summary>
    internal void CheckThread(string what)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException(
                $"{what} was called on thread {Environment.CurrentManagedThreadId}, but this reactor and its transports " +
                $"belong to thread {_threadId}: call it from the reactor thread, e.g. through reactor.CallFromThread(...).");
        }
    }
}
