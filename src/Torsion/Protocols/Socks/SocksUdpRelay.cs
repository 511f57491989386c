using System.Net;
using Torsion.Defer;

namespace Torsion.Protocols.Socks;

/// <summary>
/// The UDP side of a SOCKS5 UDP ASSOCIATE (RFC 1928 §7). Datagrams from the client (its TCP address; its port if the
/// request named one, else the first port it sends from) carry the SOCKS5 UDP header: whole ones (FRAG 0) go to their
/// destination without it; fragments are dropped (fragmentation is not supported). Datagrams from anywhere else go
/// back to the client wrapped in a header naming their source. The access rule applies both ways.
/// </summary>
internal sealed class SocksUdpRelay(SocksServerFactory factory, IPAddress clientAddress, int clientPort) : DatagramProtocol
{
    private IPEndPoint? _client;

    public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
    {
        if (from is not IPEndPoint source)
        {
            return;
        }

        var address = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        if (address.Equals(clientAddress) && (_client is null ? clientPort == 0 || clientPort == source.Port : _client.Port == source.Port))
        {
            _client ??= source;
            FromClient(datagram);
        }
        else if (_client is not null)
        {
            if (!factory.Allows(source))
            {
                SocksLog.DatagramDropped(factory.Logger, source, null, "refused by the access rule");
                return;
            }

            Transport.Write(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(address, source.Port), datagram), _client);
        }
        else
        {
            SocksLog.DatagramDropped(factory.Logger, source, null, "the client has not sent yet");
        }
    }

    private void FromClient(ReadOnlySpan<byte> datagram)
    {
        Socks5UdpHeader header;
        try
        {
            header = SocksCodec.ParseSocks5UdpHeader(datagram);
        }
        catch (SocksProtocolException e)
        {
            SocksLog.DatagramDropped(factory.Logger, _client, null, e.Message);
            return;
        }

        if (header.Fragment != 0)
        {
            var why = $"fragment {header.Fragment} (fragmentation is not supported)";
            SocksLog.DatagramDropped(factory.Logger, _client, header.Destination, why);
            return;
        }

        var payload = datagram[header.Length..];
        var destination = header.Destination;
        if (destination.Address is { } ip)
        {
            SendTo(ip, destination.Port, payload);
            return;
        }

        if (IPAddress.TryParse(destination.HostName, out var literal))
        {
            SendTo(literal, destination.Port, payload);
            return;
        }

        var copy = payload.ToArray();
        Deferred<IReadOnlyList<IPAddress>> resolving;
        try
        {
            resolving = factory.Resolver.ResolveHostName(destination.HostName!);
        }
        catch (Exception e)
        {
            resolving = Deferred.Fail<IReadOnlyList<IPAddress>>(e);
        }

        resolving.AddBoth(result =>
        {
            if (!result.Success || result.Value.Count == 0)
            {
                SocksLog.DatagramDropped(factory.Logger, _client, destination, "cannot resolve the host name");
            }
            else
            {
                SendTo(result.Value[0], destination.Port, copy);
            }

            return Unit.Value;
        });
    }

    private void SendTo(IPAddress address, int port, ReadOnlySpan<byte> payload)
    {
        var target = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
        if (!factory.Allows(target) || port == 0)
        {
            SocksLog.DatagramDropped(factory.Logger, _client, target, "refused by the access rule");
            return;
        }

        try
        {
            Transport.Write(payload, target);
        }
        catch (Exception e)
        {
            // No transport left (association ended meanwhile) or a family mismatch: nothing to answer on UDP.
            SocksLog.DatagramDropped(factory.Logger, _client, target, e.Message);
        }
    }
}
