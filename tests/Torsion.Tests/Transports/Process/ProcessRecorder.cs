using System.Text;
using Torsion.Transports.Process;

namespace Torsion.Tests.Transports.Process;

/// <summary>Records what a child does; the test waits on its tasks.</summary>
public class ProcessRecorder : ProcessProtocol
{
    private readonly object _gate = new();
    private readonly MemoryStream _out = new();
    private readonly MemoryStream _err = new();
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];

    public bool KeepBytes { get; init; } = true;

    public TaskCompletionSource Made { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<ProcessExitReason> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<ProcessExitReason> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Events in order: "lost 0", "exited", "ended".</summary>
    public List<string> Events { get; } = [];

    public long OutCount { get; private set; }

    public string Out
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_out.ToArray());
            }
        }
    }

    public string Err
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_err.ToArray());
            }
        }
    }

    public override void ConnectionMade() => Made.TrySetResult();

    public override void OutReceived(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            OutCount += data.Length;
            if (KeepBytes)
            {
                _out.Write(data);
            }
        }

        Check();
    }

    public override void ErrReceived(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            _err.Write(data);
        }

        Check();
    }

    public override void ChildConnectionLost(int childFd)
    {
        lock (_gate)
        {
            Events.Add($"lost {childFd}");
        }

        base.ChildConnectionLost(childFd);
    }

    public override void ProcessExited(ProcessExitReason reason)
    {
        lock (_gate)
        {
            Events.Add("exited");
        }

        Exited.TrySetResult(reason);
    }

    public override void ProcessEnded(ProcessExitReason reason)
    {
        lock (_gate)
        {
            Events.Add("ended");
        }

        Ended.TrySetResult(reason);
    }

    /// <summary>Completes when <paramref name="done"/> holds (checked after each output).</summary>
    public Task WaitFor(Func<ProcessRecorder, bool> done)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((() => done(this), signal));
        }

        Check();
        return signal.Task;
    }

    public Task WaitForOut(string text) => WaitFor(r => r.Out.Contains(text, StringComparison.Ordinal));

    private void Check()
    {
        (Func<bool> Done, TaskCompletionSource Signal)[] waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
        }

        foreach (var (done, signal) in waiters)
        {
            if (done())
            {
                lock (_gate)
                {
                    _waiters.RemoveAll(w => w.Signal == signal);
                }

                signal.TrySetResult();
            }
        }
    }
}
