using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Endpoints;

/// <summary>Listens on a TCP port (<c>tcp:8080:interface=127.0.0.1:backlog=128</c>, <c>tcp6:8080</c>).</summary>
public sealed class TcpServerEndpoint : IStreamServerEndpoint
{
    private readonly IReactorTcp _reactor;

    /// <summary>An endpoint on <paramref name="port"/> (0: ephemeral) of <paramref name="interfaceAddress"/> (null: all IPv4 interfaces).</summary>
    public TcpServerEndpoint(IReactorTcp reactor, int port, int backlog = 50, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(reactor);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 0);
        _reactor = reactor;
        Port = port;
        Backlog = backlog;
        InterfaceAddress = interfaceAddress;
    }

    /// <summary>The port (0: ephemeral).</summary>
    public int Port { get; }

    /// <summary>The listen backlog.</summary>
    public int Backlog { get; }

    /// <summary>The IP literal listened on, or null for all IPv4 interfaces.</summary>
    public string? InterfaceAddress { get; }

    /// <inheritdoc />
    public Deferred<IListeningPort> Listen(IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        try
        {
            return Deferred.Succeed(_reactor.ListenTcp(Port, factory, Backlog, InterfaceAddress));
        }
        catch (Exception e)
        {
            return Deferred.Fail<IListeningPort>(e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"tcp:{Port}" + (InterfaceAddress is null ? "" : $":interface={InterfaceAddress}");
}
