using System.Net;
using Torsion.Reactor;

namespace Torsion.Protocols;

/// <summary>
/// A factory for outgoing connections: besides building the protocol it hears how connecting went
/// (<see cref="StartedConnecting"/>, <see cref="ClientConnectionFailed"/>, <see cref="ClientConnectionLost"/>).
/// </summary>
public class ClientFactory : Factory
{
    /// <summary>A client factory whose <see cref="Factory.BuildProtocol"/> is overridden by a subclass.</summary>
    protected ClientFactory()
    {
    }

    /// <summary>A client factory that calls <paramref name="build"/> for the connection.</summary>
    public ClientFactory(Func<EndPoint, IProtocol?> build)
        : base(build)
    {
    }

    /// <summary>A client factory that makes a new protocol with <paramref name="create"/> for each connection.</summary>
    public static new ClientFactory ForProtocol(Func<IProtocol> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return new ClientFactory(_ => create());
    }

    /// <summary>A connection attempt started.</summary>
    public virtual void StartedConnecting(IConnector connector)
    {
    }

    /// <summary>
    /// Connecting failed: <see cref="Torsion.Transports.ConnectionRefusedException"/>, <see cref="TimeoutException"/>,
    /// <see cref="OperationCanceledException"/> (StopConnecting) or another error. <c>connector.Connect()</c> tries again.
    /// </summary>
    public virtual void ClientConnectionFailed(IConnector connector, Exception reason)
    {
    }

    /// <summary>An established connection ended (after the protocol's ConnectionLost). <c>connector.Connect()</c> reconnects.</summary>
    public virtual void ClientConnectionLost(IConnector connector, Exception reason)
    {
    }
}
