using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Tests.Transports;

/// <summary>Records what happens to a connection; tasks complete on events.</summary>
public class Recorder : Protocol
{
    private readonly object _gate = new();
    private readonly MemoryStream _received = new();
    private readonly List<(long Count, TaskCompletionSource Done)> _waiters = [];
    private bool _aborted;

    public TaskCompletionSource Made { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool KeepBytes { get; init; } = true;

    /// <summary>When set, the connection is aborted (on the reactor thread) as soon as this many bytes arrived.</summary>
    public long? AbortAfterBytes { get; init; }

    /// <summary>The thread of every protocol callback, in order (for reactors that run callbacks on a foreign thread).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> CallbackThreads { get; } = new();

    public long Count { get; private set; }

    public byte[] Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToArray();
            }
        }
    }

    public override void ConnectionMade()
    {
        CallbackThreads.Enqueue(Environment.CurrentManagedThreadId);
        Made.TrySetResult();
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        CallbackThreads.Enqueue(Environment.CurrentManagedThreadId);
        lock (_gate)
        {
            if (KeepBytes)
            {
                _received.Write(data);
            }

            Count += data.Length;
            foreach (var waiter in _waiters.Where(w => Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }

        OnData(data);
        if (Count >= AbortAfterBytes && !_aborted)
        {
            _aborted = true;
            Transport.AbortConnection();
        }
    }

    protected virtual void OnData(ReadOnlySpan<byte> data)
    {
    }

    public override void ConnectionLost(Exception reason)
    {
        CallbackThreads.Enqueue(Environment.CurrentManagedThreadId);
        Lost.TrySetResult(reason);
    }

    public Task WaitForBytes(long count)
    {
        lock (_gate)
        {
            if (Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }
}

public sealed class EchoProtocol : Recorder
{
    protected override void OnData(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Hears the half-close events.</summary>
public sealed class HalfCloseRecorder : Recorder, IHalfCloseableProtocol
{
    public TaskCompletionSource ReadLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource WriteLost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Action? OnReadLost { get; set; }

    public void ReadConnectionLost()
    {
        ReadLost.TrySetResult();
        OnReadLost?.Invoke();
    }

    public void WriteConnectionLost() => WriteLost.TrySetResult();
}

/// <summary>A client factory whose events complete tasks.</summary>
public sealed class RecordingClientFactory(Func<IProtocol> create) : ClientFactory(_ => create())
{
    public TaskCompletionSource<IConnector> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> ConnectionLostReason { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void StartedConnecting(IConnector connector) => Started.TrySetResult(connector);

    public override void ClientConnectionFailed(IConnector connector, Exception reason) => Failed.TrySetResult(reason);

    public override void ClientConnectionLost(IConnector connector, Exception reason) => ConnectionLostReason.TrySetResult(reason);
}

/// <summary>Writes chunks as fast as the transport lets it; counts pauses.</summary>
public sealed class FloodProducer(ITransport transport, long total, int chunk = 64 * 1024) : IPushProducer
{
    private readonly byte[] _chunk = new byte[chunk];
    private bool _paused;

    public long Written { get; private set; }

    public int Pauses { get; private set; }

    public TaskCompletionSource FirstPause { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Stopped { get; private set; }

    public void PauseProducing()
    {
        _paused = true;
        Pauses++;
        FirstPause.TrySetResult();
    }

    public void ResumeProducing()
    {
        _paused = false;
        while (!_paused && !Stopped && Written < total)
        {
            var n = (int)Math.Min(_chunk.Length, total - Written);
            Written += n;
            transport.Write(_chunk.AsSpan(0, n));
        }

        if (Written >= total && !Stopped)
        {
            Stopped = true;
            transport.UnregisterProducer();
            transport.LoseConnection();
        }
    }

    public void StopProducing() => Stopped = true;
}

public static class Ports
{
    /// <summary>A loopback port that nothing listens on (bound then closed).</summary>
    public static int Unused()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
