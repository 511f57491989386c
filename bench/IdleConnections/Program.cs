// Opens N idle TCP connections to one Torsion server and reports managed memory per connection.
//   dotnet run -c Release --project bench/IdleConnections -- [COUNT=100000] [SOURCE_ADDRESSES=8]
// The clients run in a child process (this program again, `idle-clients ...`), so the server process holds only its
// own descriptors. Needs root (or a hard RLIMIT_NOFILE above COUNT+1024). See bench/README.md.
using System.Globalization;
using Torsion.Bench.IdleConnections;

if (args is ["idle-clients", ..])
{
    return IdleLoad.RunClients(args);
}

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var sources = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var fits = IdleLoad.FitToLimit(count, clientsInChild: true);
if (fits < count)
{
    Console.Error.WriteLine($"RLIMIT_NOFILE cannot be raised above its hard limit here, which holds {fits} connections, not {count}; running {fits}.");
    count = fits;
}

var self = Environment.ProcessPath!;
string[] command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, "exec", typeof(IdleLoad).Assembly.Location] : [self];
var result = IdleLoad.Run(count, sources, TimeSpan.FromSeconds(300), line => Console.Error.WriteLine(line), command);
Console.WriteLine(result);
return result.ManagedBytesPerConnection <= 4096 ? 0 : 1;
