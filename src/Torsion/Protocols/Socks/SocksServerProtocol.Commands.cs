using System.Net;
using Torsion.Defer;
using Torsion.Endpoints;

namespace Torsion.Protocols.Socks;

public partial class SocksServerProtocol
{
    // ---- commands: CONNECT, BIND, UDP ASSOCIATE ----

    private void Begin(SocksCommand command, SocksAddress destination)
    {
        _handshakeTimer?.Cancel();
        _handshakeTimer = null;
        _phase = Phase.Working;
        Command = command;
        Destination = destination;
        switch (command)
        {
            case SocksCommand.UdpAssociate:
                StartUdp();
                break;
            case SocksCommand.Bind:
                Resolve(destination, StartBind);
                break;
            default:
                Resolve(destination, StartConnect);
                break;
        }
    }

    private void Resolve(SocksAddress destination, Action<IReadOnlyList<IPAddress>> then)
    {
        if (destination.Address is { } address)
        {
            then([address]);
            return;
        }

        var host = destination.HostName!;
        if (IPAddress.TryParse(host, out var literal))
        {
            then([literal]);
            return;
        }

        Deferred<IReadOnlyList<IPAddress>> resolving;
        try
        {
            resolving = _factory.Resolver.ResolveHostName(host);
        }
        catch (Exception e)
        {
            resolving = Deferred.Fail<IReadOnlyList<IPAddress>>(e);
        }

        _resolving = resolving;
        resolving.AddBoth(result =>
        {
            _resolving = null;
            if (_phase != Phase.Working)
            {
                return Unit.Value;
            }

            if (!result.Success)
            {
                Fail(Socks5ReplyCode.HostUnreachable, $"cannot resolve '{host}': {result.Error!.Message}");
            }
            else if (result.Value.Count == 0)
            {
                Fail(Socks5ReplyCode.HostUnreachable, $"'{host}' has no addresses");
            }
            else
            {
                then(result.Value);
            }

            return Unit.Value;
        });
    }

    private void StartConnect(IReadOnlyList<IPAddress> addresses)
    {
        var port = Destination!.Port;
        var usable = addresses.Select(Normalize).Where(a => !IsUnspecified(a)).ToList();
        if (usable.Count == 0)
        {
            Fail(Socks5ReplyCode.NotAllowed, $"CONNECT to the unspecified address {Destination} is refused");
            return;
        }

        var target = usable.FirstOrDefault(a => _factory.Allows(new IPEndPoint(a, port)));
        if (target is null)
        {
            Fail(Socks5ReplyCode.NotAllowed, $"CONNECT to {Destination} ({string.Join(", ", usable)}) is refused by the access rule");
            return;
        }

        Deferred<IProtocol> connecting;
        try
        {
            connecting = new TcpClientEndpoint(_factory.Reactor, target, port, _factory.ConnectTimeout)
                .Connect(Protocols.Factory.ForProtocol(() => new SocksRelayProtocol(this)));
        }
        catch (Exception e)
        {
            connecting = Deferred.Fail<IProtocol>(e);
        }

        _connecting = connecting;
        connecting.AddBoth(result =>
        {
            _connecting = null;
            if (!result.Success && _phase == Phase.Working)
            {
                Fail(ReplyCodeFor(result.Error!), $"connecting to {new IPEndPoint(target, port)} failed: {result.Error!.Message}");
            }

            return Unit.Value;
        });
    }

    private void StartBind(IReadOnlyList<IPAddress> addresses)
    {
        var port = Destination!.Port;
        var expected = addresses.Select(Normalize).Where(a => !IsUnspecified(a)).ToHashSet();
        if (expected.Count > 0 && !expected.Any(a => _factory.Allows(new IPEndPoint(a, port))))
        {
            Fail(Socks5ReplyCode.NotAllowed, $"BIND for {Destination} is refused by the access rule");
            return;
        }

        _bindExpected = expected;
        var local = Normalize(((IPEndPoint)Transport.Host).Address);
        try
        {
            _bindPort = _factory.Reactor.ListenTcp(0, new Protocols.Factory(AcceptBind), 1, local.ToString());
        }
        catch (Exception e)
        {
            Fail(Socks5ReplyCode.GeneralFailure, $"BIND cannot listen on {local}: {e.Message}");
            return;
        }

        var bound = (IPEndPoint)_bindPort.Host;
        Reply(Socks5ReplyCode.Succeeded, new IPEndPoint(IsUnspecified(bound.Address) ? local : bound.Address, bound.Port));
        _bindTimer = _factory.Reactor.CallLater(_factory.BindTimeout, () =>
        {
            _bindTimer = null;
            Fail(Socks5ReplyCode.GeneralFailure, $"BIND on {bound}: no connection within {_factory.BindTimeout.TotalSeconds} s");
        });
    }

    private SocksRelayProtocol? AcceptBind(EndPoint peer)
    {
        if (_phase != Phase.Working || _bindPort is null)
        {
            return null;
        }

        var from = peer as IPEndPoint;
        var address = from is null ? null : Normalize(from.Address);
        if (address is null || (_bindExpected!.Count > 0 && !_bindExpected.Contains(address)) || !_factory.Allows(new IPEndPoint(address, from!.Port)))
        {
            Fail(Socks5ReplyCode.NotAllowed, $"BIND: the incoming connection from {peer} is not from {Destination} or is refused by the access rule");
            return null;
        }

        return new SocksRelayProtocol(this);
    }

    private void StartUdp()
    {
        var local = Normalize(((IPEndPoint)Transport.Host).Address);
        var client = Normalize(((IPEndPoint)Transport.Peer).Address);
        var relay = new SocksUdpRelay(_factory, client, Destination!.Port);
        try
        {
            _udpPort = _factory.Reactor.ListenUdp(0, relay, local.ToString());
        }
        catch (Exception e)
        {
            Fail(Socks5ReplyCode.GeneralFailure, $"UDP ASSOCIATE cannot open a UDP port on {local}: {e.Message}");
            return;
        }

        var bound = (IPEndPoint)_udpPort.Host;
        Reply(Socks5ReplyCode.Succeeded, new IPEndPoint(IsUnspecified(bound.Address) ? local : bound.Address, bound.Port));
        _phase = Phase.UdpAssociated;
        _count = 0;
    }
}
