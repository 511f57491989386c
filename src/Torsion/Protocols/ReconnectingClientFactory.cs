using System.Net;
using Torsion.Reactor;

namespace Torsion.Protocols;

/// <summary>
/// A client factory that connects again whenever connecting fails or the connection is lost, waiting longer each
/// time: the delay grows by <see cref="Factor"/> up to <see cref="MaxDelay"/>, spread by normally distributed
/// <see cref="Jitter"/> so that many clients do not retry in step. A successful connection resets the delay.
/// </summary>
public class ReconnectingClientFactory : ClientFactory
{
    private readonly IReactorTime _clock;
    private IDelayedCall? _retryCall;
    private IConnector? _connector;

    /// <summary>A reconnecting factory whose <see cref="Factory.BuildProtocol"/> is overridden by a subclass.</summary>
    protected ReconnectingClientFactory(IReactorTime clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        Delay = InitialDelay;
    }

    /// <summary>A reconnecting factory that calls <paramref name="build"/> for each connection; retries are timed on <paramref name="clock"/>.</summary>
    public ReconnectingClientFactory(IReactorTime clock, Func<EndPoint, IProtocol?> build)
        : base(build)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        Delay = InitialDelay;
    }

    /// <summary>The longest wait between attempts, in seconds (default 3600).</summary>
    public double MaxDelay { get; set; } = 3600;

    /// <summary>The wait before the first retry grows from this, in seconds (default 1).</summary>
    public double InitialDelay { get; set; } = 1.0;

    /// <summary>How much the delay grows per attempt (default e).</summary>
    public double Factor { get; set; } = Math.E;

    /// <summary>The standard deviation of the delay as a fraction of it (default 0.1196...).</summary>
    public double Jitter { get; set; } = 0.11962656472;

    /// <summary>Give up after this many retries; null (default) retries for ever.</summary>
    public int? MaxRetries { get; set; }

    /// <summary>The source of jitter (replace it in tests for a fixed sequence).</summary>
    public Random Random { get; set; } = Random.Shared;

    /// <summary>The wait before the next retry, in seconds.</summary>
    public double Delay { get; private set; }

    /// <summary>How many retries since the last successful connection.</summary>
    public int Retries { get; private set; }

    /// <summary>False after <see cref="StopTrying"/>.</summary>
    public bool ContinueTrying { get; private set; } = true;

    /// <summary>The pending retry, if one is scheduled.</summary>
    public IDelayedCall? PendingRetry => _retryCall is { Active: true } ? _retryCall : null;

    /// <inheritdoc />
    public override void ClientConnectionFailed(IConnector connector, Exception reason)
    {
        if (ContinueTrying)
        {
            _connector = connector;
            Retry();
        }
    }

    /// <inheritdoc />
    public override void ClientConnectionLost(IConnector connector, Exception reason)
    {
        if (ContinueTrying)
        {
            _connector = connector;
            Retry();
        }
    }

    /// <summary>A connection is made: the delay starts over.</summary>
    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        ResetDelay();
        return base.BuildProtocol(peer);
    }

    /// <summary>Schedules the next attempt on <paramref name="connector"/> (default: the last one that failed).</summary>
    public void Retry(IConnector? connector = null)
    {
        if (!ContinueTrying)
        {
            return;
        }

        connector ??= _connector ?? throw new InvalidOperationException("Retry has no connector: none has failed yet and none was given.");
        Retries++;
        if (MaxRetries is { } max && Retries > max)
        {
            return;
        }

        Delay = Math.Min(Delay * Factor, MaxDelay);
        if (Jitter > 0)
        {
            Delay = Math.Clamp(NormalVariate(Delay, Delay * Jitter), 0, MaxDelay);
        }

        _retryCall = _clock.CallLater(TimeSpan.FromSeconds(Delay), () =>
        {
            _retryCall = null;
            connector.Connect();
        });
    }

    /// <summary>Stops retrying: cancels a scheduled retry and stops a connection attempt in progress.</summary>
    public void StopTrying()
    {
        if (_retryCall is { Active: true })
        {
            _retryCall.Cancel();
        }

        _retryCall = null;
        ContinueTrying = false;
        if (_connector is { State: ConnectorState.Connecting })
        {
            _connector.StopConnecting();
        }
    }

    /// <summary>Starts the delay over (called on each successful connection).</summary>
    public void ResetDelay()
    {
        Delay = InitialDelay;
        Retries = 0;
        _retryCall = null;
        ContinueTrying = true;
    }

    private double NormalVariate(double mean, double deviation)
    {
        // Box-Muller: one normal sample from two uniform ones.
        var u1 = 1.0 - Random.NextDouble();
        var u2 = Random.NextDouble();
        return mean + (deviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
