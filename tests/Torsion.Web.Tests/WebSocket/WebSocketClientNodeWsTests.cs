namespace Torsion.Web.Tests.WebSocket;

/// <summary>Our client against the node `ws` echo server (Debian node-ws), Peers/node_server.js.</summary>
public sealed class WebSocketClientNodeWsTests : WebSocketClientInteropTests
{
    private readonly WebSocketPeerServer _peer = new("node", "node_server.js");

    protected override Uri Plain => new($"ws://127.0.0.1:{_peer.Port}/");

    protected override Uri Deflate => Plain;

    protected override bool PeerPrinted(string line, TimeSpan timeout) => _peer.WaitForLine(line, timeout);

    protected override string PeerOutput() => _peer.Output();

    public override void Dispose() => _peer.Dispose();
}
