using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Application;

/// <summary>Listens on an endpoint while it runs (Twisted's <c>StreamServerEndpointService</c>): listens on start, stops listening on stop.</summary>
public sealed class StreamServerEndpointService : Service
{
    private readonly List<Deferred<IListeningPort>> _waiters = [];
    private IListeningPort? _port;

    /// <summary>A service that listens on <paramref name="endpoint"/> with <paramref name="factory"/>.</summary>
    public StreamServerEndpointService(IStreamServerEndpoint endpoint, IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(factory);
        Endpoint = endpoint;
        Factory = factory;
    }

    /// <summary>Where it listens.</summary>
    public IStreamServerEndpoint Endpoint { get; }

    /// <summary>What builds the protocols.</summary>
    public IProtocolFactory Factory { get; }

    /// <summary>The port while listening, else null.</summary>
    public IListeningPort? Port => _port;

    /// <summary>The error of the last listen, if it failed (the service stays "running" without a port, as in Twisted).</summary>
    public Exception? ListenError { get; private set; }

    /// <summary>Fires with the port once listening (or fails with why it cannot listen); not started: fails.</summary>
    public Deferred<IListeningPort> WhenListening()
    {
        if (_port is not null)
        {
            return Deferred.Succeed(_port);
        }

        if (ListenError is not null)
        {
            return Deferred.Fail<IListeningPort>(ListenError);
        }

        if (!Running)
        {
            return Deferred.Fail<IListeningPort>(new InvalidOperationException($"{this} is not started, so it does not listen."));
        }

        var waiter = new Deferred<IListeningPort>(d => _waiters.Remove(d));
        _waiters.Add(waiter);
        return waiter;
    }

    /// <summary>Starts listening.</summary>
    public override void StartService()
    {
        base.StartService();
        ListenError = null;
        Endpoint.Listen(Factory).AddBoth<Unit>(r =>
        {
            var waiters = _waiters.ToArray();
            _waiters.Clear();
            if (r.Success)
            {
                if (!Running)
                {
                    // Stopped while the listen was pending.
                    r.Value.StopListening();
                    return Unit.Value;
                }

                _port = r.Value;
                foreach (var waiter in waiters)
                {
                    waiter.Callback(r.Value);
                }
            }
            else
            {
                ListenError = r.Error;
                foreach (var waiter in waiters)
                {
                    waiter.Errback(r.Error!);
                }
            }

            return Unit.Value;
        });
    }

    /// <summary>Stops listening; fires once the port is closed.</summary>
    public override Deferred<Unit> StopService()
    {
        base.StopService();
        var port = _port;
        _port = null;
        return port is null ? Deferred.Succeed() : port.StopListening();
    }
}
