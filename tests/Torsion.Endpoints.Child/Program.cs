// A child process for the endpoint tests: serves an echo on the server endpoint given as its argument
// (systemd:domain=INET:index=0 when started with an inherited socket), prints "listening" once it listens,
// and stops when its standard input closes (the test's end).
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;

var description = args.Length > 0 ? args[0] : "systemd:domain=INET:index=0";
using var reactor = ReactorFactory.Create();
var status = 0;
reactor.CallWhenRunning(() =>
    Endpoints.Server(reactor, description).Listen(Factory.ForProtocol(() => new Echo())).AddBoth<bool>(result =>
    {
        if (result.Success)
        {
            Console.WriteLine($"listening on {result.Value.Host}");
        }
        else
        {
            Console.WriteLine($"cannot listen: {result.Error!.Message}");
            status = 1;
            reactor.Stop();
        }

        return true;
    }));
var stdin = new Thread(() =>
{
    Console.In.ReadToEnd();
    reactor.CallFromThread(() =>
    {
        if (reactor.Running)
        {
            reactor.Stop();
        }
    });
})
{ IsBackground = true };
stdin.Start();
reactor.Run();
return status;

internal sealed class Echo : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}
