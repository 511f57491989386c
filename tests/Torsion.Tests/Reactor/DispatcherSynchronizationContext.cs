using System.Collections.Concurrent;

namespace Torsion.Tests.Reactor;

/// <summary>
/// A stand-in for a GUI dispatcher: one thread pumping a queue of posted work items, with itself installed as that
/// thread's <see cref="SynchronizationContext"/> (as WPF, WinForms and Avalonia do).
/// </summary>
public sealed class DispatcherSynchronizationContext : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private readonly Thread _thread;

    public DispatcherSynchronizationContext()
    {
        _thread = new Thread(Pump) { IsBackground = true, Name = "fake GUI dispatcher" };
        _thread.Start();
    }

    public int ThreadId => _thread.ManagedThreadId;

    /// <summary>Exceptions that escaped a work item (a GUI would crash on them).</summary>
    public ConcurrentQueue<Exception> Escaped { get; } = new();

    /// <summary>How many work items ran.</summary>
    public int ItemsRun => Volatile.Read(ref _itemsRun);

    private int _itemsRun;

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (!_queue.TryAdd((d, state)))
        {
            throw new InvalidOperationException("The dispatcher was shut down.");
        }
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId == ThreadId)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        Post(_ =>
        {
            try
            {
                d(state);
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="function"/> on the dispatcher thread and gives its result.</summary>
    public Task<T> Invoke<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                done.SetResult(function());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, null);
        return done.Task;
    }

    private void Pump()
    {
        SetSynchronizationContext(this);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            try
            {
                callback(state);
            }
            catch (Exception e)
            {
                Escaped.Enqueue(e);
            }

            Interlocked.Increment(ref _itemsRun);
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _queue.Dispose();
    }
}
