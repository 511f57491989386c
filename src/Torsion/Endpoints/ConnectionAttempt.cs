using System.Net;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>
/// One connector-based connection attempt seen as a Deferred: the client factory the reactor talks to, firing with
/// the application's protocol once its connection is made, failing with the connector's error, and stopping the
/// connector when the Deferred is cancelled.
/// </summary>
internal sealed class ConnectionAttempt : ClientFactory
{
    private readonly IProtocolFactory _factory;
    private readonly string _destination;
    private IConnector? _connector;
    private bool _cancelled;

    private ConnectionAttempt(IProtocolFactory factory, string destination)
    {
        _factory = factory;
        _destination = destination;
        Result = new Deferred<IProtocol>(_ => Cancel());
    }

    public Deferred<IProtocol> Result { get; }

    /// <summary>Starts <paramref name="connect"/> with the attempt's client factory; a synchronous throw fails the Deferred.</summary>
    public static Deferred<IProtocol> Start(IProtocolFactory factory, string destination, Func<ClientFactory, IConnector> connect)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var attempt = new ConnectionAttempt(factory, destination);
        try
        {
            attempt._connector = connect(attempt);
        }
        catch (Exception e)
        {
            if (!attempt.Result.Called)
            {
                attempt.Result.Errback(e);
            }
        }

        return attempt.Result;
    }

    private void Cancel()
    {
        _cancelled = true;
        if (_connector is { State: ConnectorState.Connecting } connector)
        {
            connector.StopConnecting();
        }

        if (!Result.Called)
        {
            Result.Errback(new CancelledException($"Connecting to {_destination} was cancelled."));
        }
    }

    public override IProtocol? BuildProtocol(EndPoint peer)
    {
        if (Result.Called)
        {
            return null;
        }

        var protocol = _factory.BuildProtocol(peer);
        if (protocol is null)
        {
            Result.Errback(new InvalidOperationException($"{_factory.GetType().Name}.BuildProtocol refused the connection to {peer} (returned null)."));
            return null;
        }

        return ObservedProtocol.Wrap(protocol, made => Result.Callback(made), lost: null);
    }

    public override void ClientConnectionFailed(IConnector connector, Exception reason)
    {
        if (!Result.Called)
        {
            Result.Errback(_cancelled ? new CancelledException($"Connecting to {_destination} was cancelled.", reason) : reason);
        }
    }

    protected override void StartFactory() => _factory.DoStart();

    protected override void StopFactory() => _factory.DoStop();
}
