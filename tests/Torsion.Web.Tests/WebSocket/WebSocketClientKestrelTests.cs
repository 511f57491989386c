using Torsion.Web.Tests.Interop;

namespace Torsion.Web.Tests.WebSocket;

/// <summary>Our client against Kestrel's WebSockets (tests/Torsion.KestrelPeer /ws, and /ws-deflate with compression).</summary>
public sealed class WebSocketClientKestrelTests : WebSocketClientInteropTests
{
    private readonly KestrelPeer _peer = new();

    protected override Uri Plain => new($"ws://127.0.0.1:{_peer.Port}/ws");

    protected override Uri Deflate => new($"ws://127.0.0.1:{_peer.Port}/ws-deflate");

    protected override bool PeerPrinted(string line, TimeSpan timeout) => _peer.WaitForLine(line, timeout);

    protected override string PeerOutput() => _peer.Output();

    public override void Dispose() => _peer.Dispose();
}
