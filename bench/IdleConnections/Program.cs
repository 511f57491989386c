// Opens N idle TCP connections to one Torsion server and reports managed memory per connection.
//   dotnet run -c Release --project bench/IdleConnections -- [COUNT=100000] [SOURCE_ADDRESSES=8]
// Needs root (or a hard RLIMIT_NOFILE of at least 2*COUNT+4096). See bench/README.md.
using System.Globalization;
using Torsion.Bench.IdleConnections;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var sources = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var fits = IdleLoad.FitToLimit(count);
if (fits < count)
{
    Console.Error.WriteLine($"RLIMIT_NOFILE cannot be raised for {count} connections here (server and client ends are in this process); running {fits}.");
    count = fits;
}

var result = IdleLoad.Run(count, sources, TimeSpan.FromSeconds(120), line => Console.Error.WriteLine(line));
Console.WriteLine(result);
return result.ManagedBytesPerConnection <= 4096 ? 0 : 1;
