using System.Collections.Concurrent;
using System.Net;
using Torsion.Protocols;

namespace Torsion.Tests.Transports.Udp;

/// <summary>Records datagrams (copied) and events; tasks complete on them.</summary>
public class DatagramRecorder : DatagramProtocol
{
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public ConcurrentQueue<(byte[] Data, EndPoint From)> Received { get; } = new();

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count => Received.Count;

    public override void StartProtocol() => Started.TrySetResult();

    public override void StopProtocol() => Stopped.TrySetResult();

    public override void ConnectionRefused() => Refused.TrySetResult();

    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        Received.Enqueue((datagram.ToArray(), from));
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => Received.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }

        OnDatagram(datagram, from);
    }

    protected virtual void OnDatagram(ReadOnlySpan<byte> datagram, EndPoint from)
    {
    }

    public Task WaitFor(int count)
    {
        lock (_gate)
        {
            if (Received.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }
}

/// <summary>Sends every datagram back to its sender.</summary>
public sealed class DatagramEcho : DatagramRecorder
{
    protected override void OnDatagram(ReadOnlySpan<byte> datagram, EndPoint from) => Transport.Write(datagram, from);
}
