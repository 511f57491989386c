using System.Net;
using System.Net.Sockets;
using System.Text;
using Torsion.Cred;
using Torsion.Protocols;
using Torsion.Protocols.Socks;
using Torsion.Testing;
using Torsion.Tests.Endpoints;
using Torsion.Transports;

namespace Torsion.Tests.Protocols.Socks;

/// <summary>The SOCKS server on StringTransport and MemoryReactor: every branch, every refusal, with exact bytes.</summary>
public sealed class SocksServerTests
{
    private static readonly IPEndPoint ServerHost = new(IPAddress.Loopback, 1080);
    private static readonly IPEndPoint ClientPeer = new(IPAddress.Loopback, 50000);

    private readonly MemoryReactor _reactor = new();

    private static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    private SocksServerFactory NewFactory(ICredentialsChecker? checker = null, ISocksAccessRule? rule = null, params string[] resolved) =>
        new(_reactor, checker, new FakeHostResolver(resolved.Length == 0 ? ["127.0.0.1"] : resolved), rule);

    private static (SocksServerProtocol Protocol, StringTransport Transport) Open(SocksServerFactory factory)
    {
        var transport = new StringTransport(ServerHost, ClientPeer);
        var protocol = (SocksServerProtocol)factory.BuildProtocol(ClientPeer)!;
        transport.Connect(protocol);
        return (protocol, transport);
    }

    /// <summary>Completes the reactor's last outgoing connection; returns the destination-side transport.</summary>
    private StringTransport CompleteConnect(out IProtocol relay)
    {
        var record = _reactor.TcpClients[^1];
        var outbound = new StringTransport(new IPEndPoint(IPAddress.Loopback, 45000), new IPEndPoint(IPAddress.Parse(record.Host), record.Port));
        relay = record.Factory.BuildProtocol(outbound.Peer)!;
        outbound.Connect(relay);
        return outbound;
    }

    private void FailConnect(Exception error)
    {
        var record = _reactor.TcpClients[^1];
        record.State = Torsion.Reactor.ConnectorState.Disconnected;
        record.Factory.ClientConnectionFailed(record, error);
    }

    private static byte[] Socks5Connect(string address, int port)
    {
        var request = SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, SocksAddress.Parse(address, port)));
        return [5, 1, 0, .. request];
    }

    // ---- SOCKS4 / 4a

    [Fact]
    public void Socks4_connect_replies_granted_and_relays_both_ways()
    {
        var (protocol, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(4, 1, 0, 80, 127, 0, 0, 1), .. "joe"u8, 0, .. "early"u8]);
        var record = Assert.Single(_reactor.TcpClients);
        Assert.Equal(("127.0.0.1", 80), (record.Host, record.Port));
        Assert.Empty(client.Value());

        var outbound = CompleteConnect(out var relay);
        Assert.Equal(Bytes(0, 90, 0xAF, 0xC8, 127, 0, 0, 1), client.Value());
        Assert.Equal("early", outbound.ValueString());

        client.Clear();
        protocol.DataReceived("to server"u8);
        relay.DataReceived("to client"u8);
        Assert.Equal("earlyto server", outbound.ValueString());
        Assert.Equal("to client", client.ValueString());
        Assert.Equal(4, protocol.Version);
        Assert.Equal(SocksCommand.Connect, protocol.Command);
    }

    [Fact]
    public void Socks4_connection_refused_replies_91_and_closes()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(4, 1, 0, 80, 127, 0, 0, 1, 0));
        FailConnect(new ConnectionRefusedException("refused"));
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks4a_host_name_is_resolved_by_the_server()
    {
        var factory = new SocksServerFactory(_reactor, resolver: new FakeHostResolver("127.0.0.9"));
        var (protocol, client) = Open(factory);
        client.Protocol!.DataReceived([.. Bytes(4, 1, 0, 80, 0, 0, 0, 1, 0), .. "localhost"u8, 0]);
        Assert.Equal(["localhost"], ((FakeHostResolver)factory.Resolver).Asked);
        Assert.Equal("127.0.0.9", Assert.Single(_reactor.TcpClients).Host);
        Assert.Equal("localhost", protocol.Destination!.HostName);
    }

    [Fact]
    public void Socks4_unknown_command_replies_91()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(4, 3, 0, 80, 127, 0, 0, 1, 0));
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Socks4_userid_too_long_replies_91()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(4, 1, 0, 80, 127, 0, 0, 1), .. Enumerable.Repeat((byte)'u', 300)]);
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks4_is_refused_when_the_server_requires_passwords()
    {
        var (_, client) = Open(NewFactory(new InMemoryUsernamePasswordChecker([new("u", "p")])));
        client.Protocol!.DataReceived(Bytes(4, 1, 0, 80, 127, 0, 0, 1, 0));
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Unknown_first_byte_closes_without_a_reply()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived("GET / HTTP/1.1\r\n"u8);
        Assert.Empty(client.Value());
        Assert.True(client.Disconnecting);
    }

    // ---- SOCKS5 negotiation

    [Fact]
    public void Socks5_no_auth_connect_replies_with_the_outgoing_address()
    {
        var (protocol, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1, 0));
        Assert.Equal(Bytes(5, 0), client.Value());
        client.Clear();
        protocol.DataReceived(SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, new SocksAddress(IPAddress.Loopback, 7))));
        CompleteConnect(out _);
        Assert.Equal(Bytes(5, 0, 0, 1, 127, 0, 0, 1, 0xAF, 0xC8), client.Value());
    }

    [Fact]
    public void Socks5_greeting_request_and_data_in_one_segment_all_arrive()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, new SocksAddress("localhost", 7))), .. "hi"u8]);
        var outbound = CompleteConnect(out _);
        Assert.Equal("hi", outbound.ValueString());
    }

    [Fact]
    public void Socks5_without_no_auth_method_gets_no_acceptable_methods()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 2, 1, 2));
        Assert.Equal(Bytes(5, 0xFF), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_greeting_with_zero_methods_gets_no_acceptable_methods()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 0));
        Assert.Equal(Bytes(5, 0xFF), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_login_with_the_right_password_proceeds()
    {
        var (protocol, client) = Open(NewFactory(new InMemoryUsernamePasswordChecker([new("alice", "pw")])));
        client.Protocol!.DataReceived(Bytes(5, 2, 0, 2));
        Assert.Equal(Bytes(5, 2), client.Value());
        client.Clear();
        protocol.DataReceived([.. SocksCodec.FormatUsernamePassword("alice", "pw"), .. Socks5Connect("127.0.0.1", 80)[3..]]);
        Assert.Equal(Bytes(1, 0), client.Value());
        Assert.Equal("alice", protocol.User);
        Assert.Single(_reactor.TcpClients);
    }

    [Fact]
    public void Socks5_login_with_a_wrong_password_is_refused()
    {
        var (protocol, client) = Open(NewFactory(new InMemoryUsernamePasswordChecker([new("alice", "pw")])));
        client.Protocol!.DataReceived(Bytes(5, 1, 2));
        client.Clear();
        protocol.DataReceived(SocksCodec.FormatUsernamePassword("alice", "nope"));
        Assert.Equal(Bytes(1, 1), client.Value());
        Assert.True(client.Disconnecting);
        Assert.Null(protocol.User);
    }

    [Fact]
    public void Socks5_login_with_an_empty_username_is_refused()
    {
        var (protocol, client) = Open(NewFactory(new InMemoryUsernamePasswordChecker([new("alice", "pw")])));
        client.Protocol!.DataReceived(Bytes(5, 1, 2));
        client.Clear();
        protocol.DataReceived(Bytes(1, 0, 0));
        Assert.Equal(Bytes(1, 1), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_client_without_username_password_is_refused_when_the_server_requires_it()
    {
        var (_, client) = Open(NewFactory(new InMemoryUsernamePasswordChecker([new("alice", "pw")])));
        client.Protocol!.DataReceived(Bytes(5, 1, 0));
        Assert.Equal(Bytes(5, 0xFF), client.Value());
        Assert.True(client.Disconnecting);
    }

    // ---- SOCKS5 request errors

    [Fact]
    public void Socks5_unknown_command_replies_7()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1, 0, 5, 9, 0, 1, 127, 0, 0, 1, 0, 80));
        Assert.Equal(Bytes(5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_unknown_address_type_replies_8()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1, 0, 5, 1, 0, 9, 1, 2, 3));
        Assert.Equal(Bytes(5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_empty_domain_replies_1()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1, 0, 5, 1, 0, 3, 0, 0, 80));
        Assert.Equal(Bytes(5, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
    }

    [Fact]
    public void Socks5_wrong_version_in_the_request_replies_1()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1, 0, 4, 1, 0, 1, 127, 0, 0, 1, 0, 80));
        Assert.Equal(Bytes(5, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
    }

    [Theory]
    [InlineData("refused", 5)]
    [InlineData("network", 3)]
    [InlineData("host", 4)]
    [InlineData("timeout", 4)]
    [InlineData("other", 1)]
    public void Socks5_connect_failures_map_to_reply_codes(string failure, int code)
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 80));
        client.Clear();
        FailConnect(failure switch
        {
            "refused" => new ConnectionRefusedException("refused"),
            "network" => new ConnectionLostException("no route", new SocketException((int)SocketError.NetworkUnreachable)),
            "host" => new ConnectionLostException("no route", new SocketException((int)SocketError.HostUnreachable)),
            "timeout" => new TimeoutException("too slow"),
            _ => new InvalidOperationException("boom"),
        });
        Assert.Equal(Bytes(5, code, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Socks5_unresolvable_host_replies_4()
    {
        var resolver = new FakeHostResolver { Hold = true };
        var (_, client) = Open(new SocksServerFactory(_reactor, resolver: resolver));
        client.Protocol!.DataReceived(Socks5Connect("nowhere.invalid", 80));
        client.Clear();
        resolver.Pending!.Errback(new DnsLookupException("no such name"));
        Assert.Equal(Bytes(5, 4, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Socks5_host_name_that_is_an_ip_literal_is_not_resolved()
    {
        var factory = NewFactory();
        var (_, client) = Open(factory);
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Connect, new SocksAddress("127.0.0.5", 80)))]);
        Assert.Empty(((FakeHostResolver)factory.Resolver).Asked);
        Assert.Equal("127.0.0.5", Assert.Single(_reactor.TcpClients).Host);
    }

    [Fact]
    public void Access_rule_refusal_replies_2_for_socks5_without_connecting()
    {
        var (_, client) = Open(NewFactory(rule: new SocksAccessList().Deny("127.0.0.1:25")));
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 25));
        Assert.Equal(Bytes(5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Access_rule_applies_to_resolved_addresses()
    {
        var (_, client) = Open(NewFactory(rule: new SocksAccessList().Allow("10.0.0.0/8"), resolved: "127.0.0.1"));
        client.Protocol!.DataReceived(Socks5Connect("innocent.example", 80));
        Assert.Equal(Bytes(5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Access_rule_refusal_replies_91_for_socks4()
    {
        var (_, client) = Open(NewFactory(rule: new SocksAccessList().Allow("10.0.0.0/8")));
        client.Protocol!.DataReceived(Bytes(4, 1, 0, 80, 127, 0, 0, 1, 0));
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
    }

    [Fact]
    public void Connect_to_the_unspecified_address_is_refused()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("0.0.0.0", 80));
        Assert.Equal(Bytes(5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.TcpClients);
    }

    [Fact]
    public void Handshake_timeout_closes_the_connection()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(5, 1));
        _reactor.Clock.Advance(SocksServerFactory.DefaultHandshakeTimeout);
        Assert.True(client.Disconnecting);
    }

    [Fact]
    public void Losing_the_client_while_connecting_stops_the_connect()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 80));
        client.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal(Torsion.Reactor.ConnectorState.Disconnected, _reactor.TcpClients[0].State);
    }

    // ---- relaying and flow control

    [Fact]
    public void Relay_ties_the_two_flows_together()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 80));
        var outbound = CompleteConnect(out _);
        Assert.Same(outbound, client.Producer);
        Assert.Same(client, outbound.Producer);
        Assert.True(client.Streaming);

        client.PauseRegisteredProducer(); // the client reads slowly: stop reading from the destination
        Assert.Equal(ProducerState.Paused, outbound.ProducerState);
        client.ResumeRegisteredProducer();
        Assert.Equal(ProducerState.Producing, outbound.ProducerState);
        outbound.PauseRegisteredProducer(); // the destination reads slowly: stop reading from the client
        Assert.Equal(ProducerState.Paused, client.ProducerState);
    }

    [Fact]
    public void Too_much_early_data_pauses_the_client_until_connected()
    {
        var factory = new SocksServerFactory(_reactor, resolver: new FakeHostResolver("127.0.0.1")) { MaxPendingBytes = 10 };
        var (_, client) = Open(factory);
        client.Protocol!.DataReceived([.. Socks5Connect("127.0.0.1", 80), .. "0123456789AB"u8]);
        Assert.Equal(ProducerState.Paused, client.ProducerState);
        var outbound = CompleteConnect(out _);
        Assert.Equal(ProducerState.Producing, client.ProducerState);
        Assert.Equal("0123456789AB", outbound.ValueString());
    }

    [Fact]
    public void Half_closes_are_passed_on_both_ways()
    {
        var (protocol, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 80));
        var outbound = CompleteConnect(out var relay);
        protocol.ReadConnectionLost();
        Assert.True(outbound.WriteSideClosed);
        ((IHalfCloseableProtocol)relay).ReadConnectionLost();
        Assert.True(client.WriteSideClosed);
    }

    [Fact]
    public void Destination_closing_closes_the_client()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Socks5Connect("127.0.0.1", 80));
        var outbound = CompleteConnect(out _);
        outbound.DeliverConnectionLost(new ConnectionDoneException());
        Assert.True(client.Disconnecting);
    }

    // ---- BIND

    [Fact]
    public void Bind_replies_twice_and_relays_the_incoming_connection()
    {
        var (protocol, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Bind, new SocksAddress(IPAddress.Parse("127.0.0.7"), 20)))]);
        var listen = Assert.Single(_reactor.TcpServers);
        Assert.Equal("127.0.0.1", listen.InterfaceAddress);
        Assert.Equal(0, listen.Port);
        var port = ((IPEndPoint)listen.Host).Port;
        Assert.Equal([5, 0, 5, 0, 0, 1, 127, 0, 0, 1, (byte)(port >> 8), (byte)port], client.Value());
        client.Clear();

        var incoming = new StringTransport(listen.Host, new IPEndPoint(IPAddress.Parse("127.0.0.7"), 2020));
        var relay = listen.Factory.BuildProtocol(incoming.Peer)!;
        incoming.Connect(relay);
        Assert.Equal(Bytes(5, 0, 0, 1, 127, 0, 0, 7, 0x07, 0xE4), client.Value());
        Assert.True(listen.Stopped);
        protocol.DataReceived("PORT"u8);
        Assert.Equal("PORT", incoming.ValueString());
    }

    [Fact]
    public void Socks4_bind_replies_with_the_listening_port()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(4, 2, 0, 20, 0, 0, 0, 0, 0));
        var listen = Assert.Single(_reactor.TcpServers);
        var port = ((IPEndPoint)listen.Host).Port;
        Assert.Equal([0, 90, (byte)(port >> 8), (byte)port, 127, 0, 0, 1], client.Value());
        client.Clear();
        var incoming = new StringTransport(listen.Host, new IPEndPoint(IPAddress.Parse("127.0.0.3"), 2020));
        incoming.Connect(listen.Factory.BuildProtocol(incoming.Peer)!);
        Assert.Equal(Bytes(0, 90, 0x07, 0xE4, 127, 0, 0, 3), client.Value());
    }

    [Fact]
    public void Bind_refuses_a_connection_from_another_host()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Bind, new SocksAddress(IPAddress.Parse("127.0.0.7"), 20)))]);
        var listen = Assert.Single(_reactor.TcpServers);
        client.Clear();
        Assert.Null(listen.Factory.BuildProtocol(new IPEndPoint(IPAddress.Parse("127.0.0.8"), 2020)));
        Assert.Equal(Bytes(5, 2, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(client.Disconnecting);
        Assert.True(listen.Stopped);
    }

    [Fact]
    public void Bind_without_a_connection_in_time_replies_1()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.Bind, new SocksAddress(IPAddress.Any, 0)))]);
        client.Clear();
        _reactor.Clock.Advance(SocksServerFactory.DefaultBindTimeout);
        Assert.Equal(Bytes(5, 1, 0, 1, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.True(_reactor.TcpServers[0].Stopped);
    }

    // ---- UDP ASSOCIATE

    private (SocksServerProtocol Protocol, StringTransport Client, UdpListenRecord Udp) Associate(SocksServerFactory factory, int clientPort = 0)
    {
        var (protocol, client) = Open(factory);
        client.Protocol!.DataReceived([.. Bytes(5, 1, 0), .. SocksCodec.FormatSocks5Request(new Socks5Request(SocksCommand.UdpAssociate, new SocksAddress(IPAddress.Any, clientPort)))]);
        return (protocol, client, Assert.Single(_reactor.UdpPorts));
    }

    [Fact]
    public void Udp_associate_replies_with_the_relay_port()
    {
        var (_, client, udp) = Associate(NewFactory());
        Assert.Equal("127.0.0.1", udp.InterfaceAddress);
        var port = ((IPEndPoint)udp.Host).Port;
        Assert.Equal([5, 0, 5, 0, 0, 1, 127, 0, 0, 1, (byte)(port >> 8), (byte)port], client.Value());
        Assert.False(client.Disconnecting);
    }

    [Fact]
    public void Udp_datagrams_are_unwrapped_forwarded_and_answers_wrapped()
    {
        var (_, _, udp) = Associate(NewFactory());
        var clientUdp = new IPEndPoint(IPAddress.Loopback, 6000);
        var dest = new IPEndPoint(IPAddress.Parse("127.0.0.53"), 53);
        udp.Protocol.DatagramReceived(SocksCodec.FormatSocks5UdpDatagram(SocksAddress.From(dest), "question"u8), clientUdp);
        var sent = Assert.Single(udp.Writes);
        Assert.Equal("question", Encoding.ASCII.GetString(sent.Data));
        Assert.Equal(dest, sent.To);

        udp.Protocol.DatagramReceived("answer"u8, dest);
        Assert.Equal(2, udp.Writes.Count);
        Assert.Equal(clientUdp, udp.Writes[1].To);
        Assert.Equal(SocksCodec.FormatSocks5UdpDatagram(SocksAddress.From(dest), "answer"u8), udp.Writes[1].Data);
    }

    [Fact]
    public void Udp_fragments_are_dropped()
    {
        var (_, _, udp) = Associate(NewFactory());
        udp.Protocol.DatagramReceived(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(IPAddress.Loopback, 53), "part"u8, fragment: 1), new IPEndPoint(IPAddress.Loopback, 6000));
        Assert.Empty(udp.Writes);
    }

    [Fact]
    public void Udp_malformed_header_is_dropped()
    {
        var (_, _, udp) = Associate(NewFactory());
        udp.Protocol.DatagramReceived(Bytes(0, 0, 0, 9, 1), new IPEndPoint(IPAddress.Loopback, 6000));
        Assert.Empty(udp.Writes);
    }

    [Fact]
    public void Udp_from_strangers_before_the_client_is_dropped()
    {
        var (_, _, udp) = Associate(NewFactory());
        udp.Protocol.DatagramReceived(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(IPAddress.Loopback, 53), "x"u8), new IPEndPoint(IPAddress.Parse("192.0.2.1"), 6000));
        Assert.Empty(udp.Writes);
    }

    [Fact]
    public void Udp_to_a_refused_destination_is_dropped()
    {
        var (_, _, udp) = Associate(NewFactory(rule: new SocksAccessList().Deny("127.0.0.53")));
        udp.Protocol.DatagramReceived(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress(IPAddress.Parse("127.0.0.53"), 53), "x"u8), new IPEndPoint(IPAddress.Loopback, 6000));
        Assert.Empty(udp.Writes);
    }

    [Fact]
    public void Udp_host_names_are_resolved()
    {
        var (_, _, udp) = Associate(NewFactory(resolved: "127.0.0.77"));
        udp.Protocol.DatagramReceived(SocksCodec.FormatSocks5UdpDatagram(new SocksAddress("dns.example", 53), "q"u8), new IPEndPoint(IPAddress.Loopback, 6000));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.77"), 53), Assert.Single(udp.Writes).To);
    }

    [Fact]
    public void Udp_association_ends_with_the_tcp_connection()
    {
        var (_, client, udp) = Associate(NewFactory());
        client.DeliverConnectionLost(new ConnectionDoneException());
        Assert.True(udp.Stopped);
    }

    [Fact]
    public void Socks4_cannot_ask_for_udp()
    {
        var (_, client) = Open(NewFactory());
        client.Protocol!.DataReceived(Bytes(4, 3, 0, 0, 0, 0, 0, 0, 0));
        Assert.Equal(Bytes(0, 91, 0, 0, 0, 0, 0, 0), client.Value());
        Assert.Empty(_reactor.UdpPorts);
    }

    [Fact]
    public void Reply_codes_for_errors()
    {
        Assert.Equal(Socks5ReplyCode.ConnectionRefused, SocksServerProtocol.ReplyCodeFor(new ConnectionRefusedException()));
        Assert.Equal(Socks5ReplyCode.HostUnreachable, SocksServerProtocol.ReplyCodeFor(new DnsLookupException("x")));
        Assert.Equal(Socks5ReplyCode.NetworkUnreachable, SocksServerProtocol.ReplyCodeFor(new ConnectionLostException("x", new SocketException((int)SocketError.NetworkUnreachable))));
        Assert.Equal(Socks5ReplyCode.GeneralFailure, SocksServerProtocol.ReplyCodeFor(new IOException()));
    }
}
