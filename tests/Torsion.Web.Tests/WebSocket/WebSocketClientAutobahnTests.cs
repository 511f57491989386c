namespace Torsion.Web.Tests.WebSocket;

/// <summary>Our client against autobahn's echo server on Twisted (Debian python3-autobahn), Peers/ab_server.py.</summary>
public sealed class WebSocketClientAutobahnTests : WebSocketClientInteropTests
{
    private readonly WebSocketPeerServer _peer = new("/usr/bin/python3", "ab_server.py");

    protected override Uri Plain => new($"ws://127.0.0.1:{_peer.Port}/");

    protected override Uri Deflate => Plain;

    protected override bool PeerPrinted(string line, TimeSpan timeout) => _peer.WaitForLine(line, timeout);

    protected override string PeerOutput() => _peer.Output();

    public override void Dispose() => _peer.Dispose();
}
