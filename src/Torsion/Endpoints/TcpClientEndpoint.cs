using System.Net;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>
/// Connects to one TCP address with one attempt. For host names (and the <c>tcp:</c> client string) use
/// <see cref="HostnameEndpoint"/>, which resolves every address and races them.
/// </summary>
public sealed class TcpClientEndpoint : IStreamClientEndpoint
{
    private readonly IReactorTcp _reactor;

    /// <summary>An endpoint for <paramref name="address"/>:<paramref name="port"/>.</summary>
    public TcpClientEndpoint(IReactorTcp reactor, IPAddress address, int port, TimeSpan? timeout = null, IPEndPoint? bindAddress = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _reactor = reactor;
        Address = address;
        Port = port;
        Timeout = timeout;
        BindAddress = bindAddress;
    }

    /// <summary>The address connected to.</summary>
    public IPAddress Address { get; }

    /// <summary>The port connected to.</summary>
    public int Port { get; }

    /// <summary>How long connecting may take, or null for the reactor's default (30 s).</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>The local address to connect from, or null.</summary>
    public IPEndPoint? BindAddress { get; }

    /// <inheritdoc />
    public Deferred<IProtocol> Connect(IProtocolFactory factory) =>
        ConnectionAttempt.Start(factory, new IPEndPoint(Address, Port).ToString(), client => _reactor.ConnectTcp(Address.ToString(), Port, client, Timeout, BindAddress));

    /// <inheritdoc />
    public override string ToString() => $"tcp:{new IPEndPoint(Address, Port)}";
}
