// WebSocket echo load: N connections, each sends one binary message of SIZE bytes and awaits its echo before the
// next (ping-pong), for WARMUP + DURATION seconds; every echoed byte is checked. Prints one line:
//   RESULT msgs_per_s=... conns=... size=... errors=0 client_cpu_s=...
// usage: WsEchoLoad URL [CONNS=64] [SIZE=64] [DURATION=5] [WARMUP=2]
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: WsEchoLoad ws://127.0.0.1:PORT/PATH [CONNS=64] [SIZE=64] [DURATION=5] [WARMUP=2]");
    return 2;
}

var uri = new Uri(args[0]);
var conns = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
var size = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;
var duration = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 5);
var warmup = TimeSpan.FromSeconds(args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 2);

var sockets = new ClientWebSocket[conns];
for (var i = 0; i < conns; i++)
{
    sockets[i] = new ClientWebSocket();
    sockets[i].Options.KeepAliveInterval = TimeSpan.Zero;
    await sockets[i].ConnectAsync(uri, CancellationToken.None);
}

long measured = 0;
var measuring = false;
var stop = false;
var tasks = new Task<string?>[conns];
for (var i = 0; i < conns; i++)
{
    var ws = sockets[i];
    var seed = i;
    tasks[i] = Task.Run(async () =>
    {
        var send = new byte[size];
        var receive = new byte[size];
        var round = 0;
        while (!Volatile.Read(ref stop))
        {
            send[0] = (byte)seed;
            send[^1] = (byte)round++;
            await ws.SendAsync(send, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            var count = 0;
            ValueWebSocketReceiveResult r;
            do
            {
                if (count == receive.Length)
                {
                    return $"connection {seed}: the echo is longer than the {size} bytes sent";
                }

                r = await ws.ReceiveAsync(receive.AsMemory(count), CancellationToken.None);
                count += r.Count;
            }
            while (!r.EndOfMessage);
            if (r.MessageType != WebSocketMessageType.Binary || count != size || !receive.AsSpan().SequenceEqual(send))
            {
                return $"connection {seed}: wrong echo ({r.MessageType}, {count} bytes)";
            }

            if (Volatile.Read(ref measuring))
            {
                Interlocked.Increment(ref measured);
            }
        }

        return null;
    });
}

await Task.Delay(warmup);
var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
Volatile.Write(ref measuring, true);
Console.WriteLine("MEASURING"); // bench/web.py samples the server's CPU time between these two lines
await Task.Delay(duration);
Volatile.Write(ref measuring, false);
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine("MEASURED");
var count = Interlocked.Read(ref measured);
var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
Volatile.Write(ref stop, true);
var errors = (await Task.WhenAll(tasks)).Where(e => e is not null).ToList();
foreach (var e in errors)
{
    Console.Error.WriteLine(e);
}

foreach (var ws in sockets)
{
    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }
    catch (Exception e) when (e is WebSocketException or OperationCanceledException)
    {
        Console.Error.WriteLine($"close: {e.Message}");
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT msgs_per_s={count / elapsed:F0} conns={conns} size={size} errors={errors.Count} client_cpu={cpu / elapsed * 100:F0}%"));
return errors.Count == 0 ? 0 : 1;
