using System.Buffers;
using Torsion.Reactor;
using Torsion.Transports;

namespace Torsion.Protocols.Policies;

/// <summary>
/// A wrapper that closes its connection after a period with no data in either direction (Twisted's
/// <c>TimeoutProtocol</c>). Activity only stamps a time; the single timer re-arms itself lazily, so a busy connection
/// costs no timer work per read or write. If a clean close has not finished one more period later (the peer does
/// not read), the connection is aborted.
/// </summary>
public class TimeoutProtocol : ProtocolWrapper
{
    private readonly IReactorTime _clock;
    private IDelayedCall? _timer;
    private double _lastActivity;
    private bool _closing;

    /// <summary>Wraps <paramref name="wrappedProtocol"/> with an idle timeout of <paramref name="timeout"/>.</summary>
    public TimeoutProtocol(WrappingFactory factory, IProtocol wrappedProtocol, TimeSpan timeout, IReactorTime clock)
        : base(factory, wrappedProtocol)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _clock = clock;
        Timeout = timeout;
    }

    /// <summary>The idle period after which the connection is closed; null when the timeout is off.</summary>
    public TimeSpan? Timeout { get; private set; }

    /// <summary>True once the connection was closed for being idle.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Starts the timer, then connects the wrapped protocol.</summary>
    public override void MakeConnection(ITransport transport)
    {
        _lastActivity = _clock.Seconds();
        Arm(Timeout);
        base.MakeConnection(transport);
    }

    /// <summary>Changes the idle period (counting from now), or turns the timeout off with null.</summary>
    public void SetTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        }

        Timeout = timeout;
        _lastActivity = _clock.Seconds();
        Cancel();
        Arm(timeout);
    }

    /// <summary>Counts as activity now (as data in either direction does).</summary>
    public void ResetTimeout() => _lastActivity = _clock.Seconds();

    /// <inheritdoc />
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _lastActivity = _clock.Seconds();
        base.DataReceived(data);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> data)
    {
        _lastActivity = _clock.Seconds();
        base.Write(data);
    }

    /// <inheritdoc />
    public override void WriteSequence(ReadOnlySequence<byte> data)
    {
        _lastActivity = _clock.Seconds();
        base.WriteSequence(data);
    }

    /// <inheritdoc />
    public override void ConnectionLost(Exception reason)
    {
        Cancel();
        base.ConnectionLost(reason);
    }

    /// <summary>The connection was idle for <see cref="Timeout"/>: by default closes it (after pending writes).</summary>
    protected virtual void TimeoutConnection() => LoseConnection();

    private void Arm(TimeSpan? delay)
    {
        if (delay is { } d)
        {
            _timer = _clock.CallLater(d, OnTimer);
        }
    }

    private void Cancel()
    {
        if (_timer is { Active: true })
        {
            _timer.Cancel();
        }

        _timer = null;
    }

    private void OnTimer()
    {
        _timer = null;
        if (Timeout is not { } timeout || !Connected)
        {
            return;
        }

        if (_closing)
        {
            AbortConnection();
            return;
        }

        var idle = _clock.Seconds() - _lastActivity;
        var left = timeout.TotalSeconds - idle;
        if (left > 1e-9)
        {
            Arm(TimeSpan.FromSeconds(left));
            return;
        }

        TimedOut = true;
        _closing = true;
        TimeoutConnection();
        if (Connected)
        {
            Arm(timeout);
        }
    }
}
