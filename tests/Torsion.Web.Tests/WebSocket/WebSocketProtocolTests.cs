using System.Text;
using Torsion.Defer;
using Torsion.Testing;
using Torsion.Transports;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.WebSocket;

public sealed class WebSocketProtocolTests
{
    private readonly Clock _clock = new();

    private (WebSocketProtocol Server, WebSocketProtocol Client, LoopbackPump Pump) Pair(WebSocketOptions? options = null)
    {
        var server = new WebSocketProtocol(false, _clock, options);
        var client = new WebSocketProtocol(true, _clock, options);
        var pump = new LoopbackPump();
        pump.Connect(server, client);
        return (server, client, pump);
    }

    [Fact]
    public void Text_and_binary_messages_are_echoed()
    {
        var (server, client, pump) = Pair(new WebSocketOptions { SendFragmentSize = 1000 });
        server.MessageReceived += (s, type, data) => s.Send(type, data);
        var got = new List<(WebSocketMessageType, byte[])>();
        client.MessageReceived += (_, type, data) => got.Add((type, data.ToArray()));
        client.SendText("héllo 漢");
        var blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        client.SendBinary(blob);
        pump.Flush();
        Assert.Equal(2, got.Count);
        Assert.Equal("héllo 漢", Encoding.UTF8.GetString(got[0].Item2));
        Assert.Equal(WebSocketMessageType.Binary, got[1].Item1);
        Assert.Equal(blob, got[1].Item2);
    }

    [Fact]
    public void Ping_fires_when_the_pong_arrives()
    {
        var (server, client, pump) = Pair();
        server.MessageReceived += (_, _, _) => { };
        client.MessageReceived += (_, _, _) => { };
        var pong = client.Ping("abc"u8);
        Assert.False(pong.Called);
        pump.Flush();
        Assert.True(pong.Called);
    }

    [Fact]
    public void Close_handshake_is_clean_with_the_code_and_reason()
    {
        var (server, client, pump) = Pair();
        server.MessageReceived += (_, _, _) => { };
        client.MessageReceived += (_, _, _) => { };
        WebSocketCloseInfo? serverSide = null, clientSide = null;
        server.WhenClosed.AddCallback(i => serverSide = i);
        client.WhenClosed.AddCallback(i => clientSide = i);
        client.Close(1000, "bye");
        pump.Flush();
        Assert.Equal(new WebSocketCloseInfo(1000, "bye", true) { SentCode = 1000 }, serverSide);
        Assert.Equal(new WebSocketCloseInfo(1000, "", true) { SentCode = 1000 }, clientSide);
    }

    [Fact]
    public void Close_times_out_when_the_peer_never_answers()
    {
        var transport = new StringTransport();
        var ws = new WebSocketProtocol(false, _clock);
        transport.Connect(ws);
        ws.Close();
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(transport.Aborted);
    }

    [Fact]
    public void Unmasked_client_frame_fails_with_1002()
    {
        var transport = new StringTransport();
        var ws = new WebSocketProtocol(false, _clock);
        transport.Connect(ws);
        ws.MessageReceived += (_, _, _) => { };
        ws.DataReceived([0x81, 0x01, (byte)'x']);
        Assert.Equal(new byte[] { 0x88 }, transport.Value()[..1]);
        Assert.Equal(new byte[] { 0x03, 0xEA }, transport.Value()[2..4]);
        Assert.True(transport.Disconnecting);
    }

    [Fact]
    public void Paused_receiver_stops_reading_until_resumed()
    {
        var (server, client, pump) = Pair();
        var count = 0;
        server.MessageReceived += (_, _, _) => count++;
        server.PauseProducing();
        for (var i = 0; i < 100; i++)
        {
            client.SendBinary(new byte[4096]);
        }

        pump.Flush();
        Assert.Equal(0, count);
        Assert.True(pump.ServerTransport!.ReadingPaused);
        server.ResumeProducing();
        pump.Flush();
        Assert.Equal(100, count);
    }

    [Fact]
    public void Lost_connection_fails_pending_pings_and_reports_1006()
    {
        var (server, client, pump) = Pair();
        client.MessageReceived += (_, _, _) => { };
        var pong = client.Ping();
        WebSocketCloseInfo? info = null;
        client.WhenClosed.AddCallback(i => info = i);
        Exception? failure = null;
        pong.AddErrback(e =>
        {
            failure = e;
            return Unit.Value;
        });
        pump.ClientTransport!.AbortConnection();
        pump.Flush();
        Assert.NotNull(failure);
        Assert.Equal(1006, info!.Code);
        Assert.False(info.WasClean);
    }

    [Fact]
    public void Server_close_code_reaches_the_client_and_is_echoed()
    {
        var (server, client, pump) = Pair();
        server.MessageReceived += (_, _, _) => { };
        client.MessageReceived += (_, _, _) => { };
        WebSocketCloseInfo? serverSide = null, clientSide = null;
        server.WhenClosed.AddCallback(i => serverSide = i);
        client.WhenClosed.AddCallback(i => clientSide = i);
        server.Close(WebSocketCloseCode.PolicyViolation, "policy");
        pump.Flush();
        Assert.Equal(new WebSocketCloseInfo(1008, "policy", true) { SentCode = 1008 }, clientSide);
        Assert.Equal(new WebSocketCloseInfo(1008, "", true) { SentCode = 1008 }, serverSide);
    }

    [Fact]
    public void Client_refuses_a_message_over_its_limit_with_1009_and_waits_for_the_server_to_close()
    {
        var (server, client, pump) = Pair(new WebSocketOptions { MaxMessageSize = 1024 });
        server.MessageReceived += (_, _, _) => { };
        client.MessageReceived += (_, _, _) => { };
        WebSocketCloseInfo? serverSide = null, clientSide = null;
        server.WhenClosed.AddCallback(i => serverSide = i);
        client.WhenClosed.AddCallback(i => clientSide = i);
        server.SendBinary(new byte[1000]); // under the limit: delivered
        server.SendBinary(new byte[2000]);
        pump.Flush();
        Assert.Equal(1009, serverSide!.Code); // the server read the client's close frame, then closed TCP
        Assert.NotNull(clientSide);
        Assert.Equal((ushort)1009, clientSide!.SentCode);
        Assert.Equal(1006, clientSide.Code); // the server's close frame is not parsed after a failure
        Assert.False(clientSide.WasClean);
        Assert.StartsWith("1009: ", clientSide.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_client_keeps_reading_until_the_server_closes()
    {
        var transport = new StringTransport();
        var ws = new WebSocketProtocol(true, _clock, new WebSocketOptions { MaxMessageSize = 16 });
        transport.Connect(ws);
        ws.MessageReceived += (_, _, _) => { };
        ws.DataReceived([0x82, 0x7E, 0x01, 0x00]); // a 256-byte binary frame: over the limit at its header
        Assert.Equal(new byte[] { 0x88 }, transport.Value()[..1]);
        Assert.False(transport.Disconnecting); // closing now with unread data would send RST
        ws.DataReceived(new byte[256]);        // the rest is discarded
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(transport.Aborted);        // the server never closed: the close timeout does
    }

    [Fact]
    public void Failed_server_closes_at_once()
    {
        var transport = new StringTransport();
        var ws = new WebSocketProtocol(false, _clock, new WebSocketOptions { MaxMessageSize = 16 });
        transport.Connect(ws);
        ws.MessageReceived += (_, _, _) => { };
        WebSocketCloseInfo? info = null;
        ws.WhenClosed.AddCallback(i => info = i);
        ws.DataReceived([0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4]);
        Assert.True(transport.Disconnecting);
        transport.DeliverConnectionLost(new ConnectionDoneException());
        Assert.Equal((ushort)1009, info!.SentCode);
        Assert.StartsWith("1009: ", info.Error, StringComparison.Ordinal);
    }
}
