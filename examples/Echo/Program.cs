// An echo server and client, as on Twisted's front page.
//   dotnet run --project examples/Echo -- server 8000            (or tcp:8000:interface=127.0.0.1)
//   dotnet run --project examples/Echo -- client 127.0.0.1 8000
using System.Runtime.InteropServices;
using System.Text;
using Torsion.Protocols;
using Torsion.Reactor;

switch (args)
{
    case ["server", { } where]:
        var (port, address) = ParseListen(where);
        using (var group = new ReactorGroup())
        {
            IListeningPort listening;
            try
            {
                listening = group.ListenTcp(port, Factory.ForProtocol(() => new Echo()), backlog: 1024, interfaceAddress: address);
            }
            catch (Torsion.Transports.CannotListenException e)
            {
                Console.Error.WriteLine($"echo: {e.Message}");
                return 1;
            }

            Console.WriteLine($"echo server listening on {listening.Host}");
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => group.Stop());
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => group.Stop());
            group.Run();
        }

        return 0;
    case ["client", { } host, { } serverPort]:
        using (var reactor = ReactorFactory.Create())
        {
            reactor.ConnectTcp(host, int.Parse(serverPort), new ClientFactory(_ => new EchoClient(reactor)));
            reactor.Run();
        }

        return 0;
    default:
        Console.Error.WriteLine("usage: Echo server PORT|tcp:PORT[:interface=ADDRESS]  |  Echo client HOST PORT");
        return 2;
}

static (int Port, string? Address) ParseListen(string where)
{
    var parts = where.Split(':');
    var start = parts[0] == "tcp" ? 1 : 0;
    var address = parts.Skip(start + 1).FirstOrDefault(p => p.StartsWith("interface=", StringComparison.Ordinal))?["interface=".Length..];
    return (int.Parse(parts[start]), address);
}

sealed class Echo : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

sealed class EchoClient(IReactorCore reactor) : Protocol
{
    public override void ConnectionMade() => Transport.Write("Hello, world!"u8);

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Console.WriteLine($"Server said: {Encoding.UTF8.GetString(data)}");
        Transport.LoseConnection();
    }

    public override void ConnectionLost(Exception reason) => reactor.Stop();
}
