// Usage: dotnet run -c Release --project bench/HttpClientBench -- [concurrency=32] [seconds=5] [path=/hello] [agent|httpclient|both] [reactors=1]
// ("agent" runs only the Agent, e.g. under perf.) Each line also shows the CPU time this process spent per request
// (user + system, all threads; nginx not included): on a loaded machine req/s depends on the CPU share each client
// gets (HttpClient runs on many pool threads, the Agent on one reactor thread), CPU per request does not. The Agent's
// line shows the bytes allocated per request on the reactor thread too.
// Starts nginx (/usr/sbin/nginx, one worker, pinned nowhere) on 127.0.0.1 with a generated config, then runs the
// same closed loop (concurrency requests in flight, each reading its body) with Torsion's Agent on one reactor
// thread (or one Agent on each of `reactors` reactor threads, sharing the concurrency) and with HttpClient (SocketsHttpHandler, MaxConnectionsPerServer = concurrency), alternating twice.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Torsion.Reactor;
using Torsion.Web.Client;

var concurrency = args.Length > 0 ? int.Parse(args[0]) : 32;
var seconds = args.Length > 1 ? double.Parse(args[1]) : 5;
var path = args.Length > 2 ? args[2] : "/hello";
var which = args.Length > 3 ? args[3] : "both";
var reactorCount = args.Length > 4 ? int.Parse(args[4]) : 1;

var root = Directory.CreateTempSubdirectory("torsion-clientbench-").FullName;
int port;
using (var probe = new TcpListener(IPAddress.Loopback, 0))
{
    probe.Start();
    port = ((IPEndPoint)probe.LocalEndpoint).Port;
}

Directory.CreateDirectory(Path.Combine(root, "www"));
File.WriteAllBytes(Path.Combine(root, "www", "1k.bin"), new byte[1024]);
File.WriteAllText(Path.Combine(root, "nginx.conf"), $$"""
    daemon off;
    master_process off;
    worker_processes 1;
    pid {{root}}/nginx.pid;
    error_log {{root}}/error.log warn;
    events { worker_connections 1024; }
    http {
      access_log off;
      client_body_temp_path {{root}}/tmp_body;
      proxy_temp_path {{root}}/tmp_proxy;
      fastcgi_temp_path {{root}}/tmp_fastcgi;
      uwsgi_temp_path {{root}}/tmp_uwsgi;
      scgi_temp_path {{root}}/tmp_scgi;
      keepalive_requests 10000000;
      server {
        listen 127.0.0.1:{{port}};
        root {{root}}/www;
        location = /hello { default_type text/plain; return 200 "Hello, World!"; }
      }
    }
    """);
var nginx = Process.Start(new ProcessStartInfo("/usr/sbin/nginx", ["-e", $"{root}/error.log", "-c", $"{root}/nginx.conf", "-p", root + "/"]) { UseShellExecute = false })!;
try
{
    var deadline = DateTime.UtcNow.AddSeconds(10);
    while (true)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(IPAddress.Loopback, port);
            break;
        }
        catch (SocketException) when (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
    }

    var url = new Uri($"http://127.0.0.1:{port}{path}");
    Console.WriteLine($"nginx 1 worker, GET {url}, concurrency {concurrency}, {seconds} s per run, {Environment.ProcessorCount} cores");
    double bestAgent = 0, bestHttpClient = 0;
    for (var round = 0; round < 2; round++)
    {
        double a = 0, h = 0;
        if (which != "httpclient")
        {
            (a, var cpu, var allocated) = RunAgent(url, concurrency, seconds, reactorCount);
            Console.WriteLine($"round {round + 1}: Torsion Agent x{reactorCount} {a,10:N0} req/s  {cpu,5:0.0} us CPU/request  ({allocated:N0} B allocated per request on the reactor thread)");
        }

        if (which != "agent")
        {
            (h, var cpu) = await RunHttpClient(url, concurrency, seconds);
            Console.WriteLine($"round {round + 1}: HttpClient      {h,10:N0} req/s  {cpu,5:0.0} us CPU/request");
        }

        bestAgent = Math.Max(bestAgent, a);
        bestHttpClient = Math.Max(bestHttpClient, h);
    }

    Console.WriteLine($"best: Agent {bestAgent:N0} req/s, HttpClient {bestHttpClient:N0} req/s, ratio {bestAgent / bestHttpClient:0.00}x");
}
finally
{
    nginx.Kill();
    nginx.WaitForExit(10_000);
    Directory.Delete(root, recursive: true);
}

static TimeSpan Cpu()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime;
}

static (double RequestsPerSecond, double CpuMicrosecondsPerRequest, long BytesPerRequest) RunAgent(Uri url, int concurrency, double seconds, int reactorCount)
{
    // One Agent per reactor, each on its own thread with its share of the concurrency (a connection lives on one
    // reactor for life, as with a ReactorGroup). The main thread starts and ends the measured window on every reactor.
    var reactors = Enumerable.Range(0, reactorCount).Select(_ => ReactorFactory.Create()).ToArray();
    var counts = new long[reactorCount];
    var allocated = new long[reactorCount];
    var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var finished = new CountdownEvent(reactorCount);
    var measuring = new bool[reactorCount];
    var stopping = new bool[reactorCount];
    var failed = new bool[reactorCount];
    var running = new int[reactorCount];
    for (var r = 0; r < reactorCount; r++)
    {
        var index = r;
        var reactor = reactors[r];
        var share = (concurrency / reactorCount) + (index < concurrency % reactorCount ? 1 : 0);
        reactor.CallFromThread(() =>
        {
            var agent = new Agent(reactor, new AgentOptions { MaxConnectionsPerHost = share });
            running[index] = share;
            void Loop()
            {
                if (stopping[index] || failed[index])
                {
                    if (--running[index] == 0 && stopping[index])
                    {
                        reactor.Stop();
                    }

                    return;
                }

                agent.Request("GET", url).AddCallback(response => response.ReadBody()).AddBoth(result =>
                {
                    if (!result.Success)
                    {
                        failure.TrySetException(result.Error!);
                        failed[index] = true;
                    }
                    else if (measuring[index])
                    {
                        counts[index]++;
                    }

                    Loop();
                });
            }

            for (var i = 0; i < share; i++)
            {
                Loop();
            }
        });
    }

    var threads = reactors.Select(reactor => new Thread(() => reactor.Run()) { Name = "bench reactor" }).ToArray();
    foreach (var thread in threads)
    {
        thread.Start();
    }

    Thread.Sleep(500);
    for (var r = 0; r < reactorCount; r++)
    {
        var index = r;
        reactors[r].CallFromThread(() =>
        {
            allocated[index] = GC.GetAllocatedBytesForCurrentThread();
            measuring[index] = true;
        });
    }

    var cpuAtStart = Cpu();
    var stopwatch = Stopwatch.StartNew();
    Thread.Sleep(TimeSpan.FromSeconds(seconds));
    for (var r = 0; r < reactorCount; r++)
    {
        var index = r;
        reactors[r].CallFromThread(() =>
        {
            measuring[index] = false;
            stopping[index] = true;
            allocated[index] = GC.GetAllocatedBytesForCurrentThread() - allocated[index];
            finished.Signal();
            if (running[index] == 0)
            {
                reactors[index].Stop();
            }
        });
    }

    finished.Wait();
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var cpu = Cpu() - cpuAtStart;
    foreach (var thread in threads)
    {
        thread.Join();
    }

    foreach (var reactor in reactors)
    {
        reactor.Dispose();
    }

    if (failure.Task.IsFaulted)
    {
        throw failure.Task.Exception!;
    }

    var total = Math.Max(counts.Sum(), 1);
    return (total / elapsed, cpu.TotalMicroseconds / total, allocated.Sum() / total);
}

static async Task<(double RequestsPerSecond, double CpuMicrosecondsPerRequest)> RunHttpClient(Uri url, int concurrency, double seconds)
{
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
    long count = 0;
    var stopwatch = Stopwatch.StartNew();
    var measuring = false;
    var cpuAtStart = TimeSpan.Zero;
    async Task Loop()
    {
        while (stopwatch.Elapsed.TotalSeconds < seconds || !measuring)
        {
            await client.GetByteArrayAsync(url);
            Interlocked.Increment(ref count);
            if (!measuring && stopwatch.Elapsed.TotalMilliseconds >= 500)
            {
                lock (stopwatch)
                {
                    if (!measuring)
                    {
                        measuring = true;
                        Interlocked.Exchange(ref count, 0);
                        cpuAtStart = Cpu();
                        stopwatch.Restart();
                    }
                }
            }
        }
    }

    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Loop)));
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var cpu = Cpu() - cpuAtStart;
    var n = Interlocked.Read(ref count);
    return (n / elapsed, cpu.TotalMicroseconds / Math.Max(n, 1));
}
