using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports;
using Torsion.Transports.Process;

// Echoes stdin to stdout through StandardIO until stdin ends, then exits 0 (1 if the connection was lost uncleanly).
// The process tests run it as a child to test StandardIO over real pipes.
using var reactor = new EpollReactor();
var exitCode = 2;
reactor.CallWhenRunning(() => _ = new StandardIO(new StdioEcho(reason =>
{
    exitCode = reason is ConnectionDoneException ? 0 : 1;
    reactor.Stop();
}), reactor));
reactor.Run();
return exitCode;

internal sealed class StdioEcho(Action<Exception> onLost) : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);

    public override void ConnectionLost(Exception reason) => onLost(reason);
}
