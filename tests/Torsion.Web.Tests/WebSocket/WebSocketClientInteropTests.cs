using System.Text;
using Torsion.Web.WebSocket;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>
/// Our <see cref="WebSocketClient"/> against a real third-party echo server, written once and run against each peer
/// (autobahn on Twisted, node-ws, Kestrel). Each peer prints "closed CODE" with the close code it received, so that
/// every close is checked on both sides. All on 127.0.0.1.
/// </summary>
public abstract class WebSocketClientInteropTests : IDisposable
{
    private static readonly TimeSpan Wait = WebSocketTestClient.Timeout;
    private const string NonAscii = "hello é漢 ✓ 🎉";

    /// <summary>The echo without compression.</summary>
    protected abstract Uri Plain { get; }

    /// <summary>The echo that accepts permessage-deflate.</summary>
    protected abstract Uri Deflate { get; }

    /// <summary>Waits until the peer printed <paramref name="line"/>.</summary>
    protected abstract bool PeerPrinted(string line, TimeSpan timeout);

    /// <summary>What the peer printed, for failure messages.</summary>
    protected abstract string PeerOutput();

    public abstract void Dispose();

    private void AssertPeerSawClose(int code) =>
        Assert.True(PeerPrinted($"closed {code}", Wait), $"the peer did not report close code {code}; it printed:\n{PeerOutput()}");

    [Fact]
    public void Text_binary_fragments_and_ping_are_echoed_then_close_1000_is_seen_by_both_sides()
    {
        using var client = WebSocketTestClient.Connect(Plain, new WebSocketOptions { Compression = false, MaxMessageSize = 4 << 20, SendFragmentSize = 16 * 1024 });
        Assert.False(client.OnReactor(ws => ws.IsCompressed));

        client.SendText(NonAscii);
        var text = client.Receive();
        Assert.Equal(WebSocketMessageType.Text, text.Type);
        Assert.Equal(NonAscii, Encoding.UTF8.GetString(text.Data));

        var blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        client.SendBinary(blob); // 16 frames of 16 KiB
        var binary = client.Receive();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(blob, binary.Data);

        client.Ping("are you there"u8.ToArray());
        client.Close(1000, "bye");
        var closed = client.WaitClosed();
        Assert.Equal(1000, closed.Code);
        Assert.Equal((ushort)1000, closed.SentCode);
        Assert.True(closed.WasClean);
        Assert.Null(closed.Error);
        AssertPeerSawClose(1000);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    public void A_text_message_the_server_sends_in_fragments_is_joined(int fragments)
    {
        using var client = WebSocketTestClient.Connect(Plain, new WebSocketOptions { Compression = false });
        var text = string.Concat(Enumerable.Repeat(NonAscii, 40)); // 40 x 20 bytes: the splits fall inside UTF-8 sequences
        client.SendText($"fragment:{fragments}:{text}");
        var message = client.Receive();
        Assert.Equal(WebSocketMessageType.Text, message.Type);
        Assert.Equal(text, Encoding.UTF8.GetString(message.Data));
        client.Close(1000, "");
        Assert.Equal(1000, client.WaitClosed().Code);
    }

    [Fact]
    public void Permessage_deflate_is_negotiated_and_compressed_messages_round_trip()
    {
        using var client = WebSocketTestClient.Connect(Deflate, new WebSocketOptions { MaxMessageSize = 4 << 20 });
        Assert.True(client.OnReactor(ws => ws.IsCompressed), "our client did not negotiate permessage-deflate");

        client.SendText("extensions?");
        var extensions = Encoding.UTF8.GetString(client.Receive().Data);
        Assert.Contains("permessage-deflate", extensions, StringComparison.Ordinal);

        var text = string.Concat(Enumerable.Repeat(NonAscii + " compressible text; ", 8000));
        client.SendText(text);
        Assert.Equal(text, Encoding.UTF8.GetString(client.Receive().Data));

        var blob = new byte[256 * 1024];
        Random.Shared.NextBytes(blob);
        client.SendBinary(blob);
        Assert.Equal(blob, client.Receive().Data);

        // The compression context carries over between messages (no context takeover was not asked for).
        client.SendText(text);
        Assert.Equal(text, Encoding.UTF8.GetString(client.Receive().Data));

        client.Close(1000, "bye");
        var closed = client.WaitClosed();
        Assert.Equal(1000, closed.Code);
        Assert.True(closed.WasClean);
        AssertPeerSawClose(1000);
    }

    [Theory]
    [InlineData(1008, "policy")]
    [InlineData(1011, "server error")]
    public void A_close_code_from_the_server_reaches_the_caller(int code, string reason)
    {
        using var client = WebSocketTestClient.Connect(Plain, new WebSocketOptions { Compression = false });
        client.SendText($"close:{code}:{reason}");
        var closed = client.WaitClosed();
        Assert.Equal(code, closed.Code);
        Assert.Equal(reason, closed.Reason);
        Assert.Equal((ushort)code, closed.SentCode); // echoed, as section 5.5.1 asks
        Assert.True(closed.WasClean);
        AssertPeerSawClose(code);
    }

    [Fact]
    public void A_message_over_the_client_limit_is_refused_with_1009()
    {
        using var client = WebSocketTestClient.Connect(Plain, new WebSocketOptions { Compression = false, MaxMessageSize = 64 * 1024 });
        client.SendText("small enough");
        Assert.Equal("small enough", Encoding.UTF8.GetString(client.Receive().Data));

        client.SendBinary(new byte[100 * 1024]); // the peer echoes 100 KiB: over our 64 KiB limit
        var closed = client.WaitClosed();
        Assert.Equal((ushort)1009, closed.SentCode);
        Assert.NotNull(closed.Error);
        Assert.StartsWith("1009: ", closed.Error, StringComparison.Ordinal);
        AssertPeerSawClose(1009);
    }
}
