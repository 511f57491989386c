// Usage: dotnet run -c Release --project bench/HttpClientBench -- [concurrency=32] [seconds=5] [path=/hello] [agent|httpclient|both]
// ("agent" runs only the Agent, e.g. under perf; the Agent's line also shows bytes allocated per request on the reactor thread.)
// Starts nginx (/usr/sbin/nginx, one worker, pinned nowhere) on 127.0.0.1 with a generated config, then runs the
// same closed loop (concurrency requests in flight, each reading its body) with Torsion's Agent on one reactor
// thread and with HttpClient (SocketsHttpHandler, MaxConnectionsPerServer = concurrency), alternating twice.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Torsion.Reactor;
using Torsion.Web.Client;

var concurrency = args.Length > 0 ? int.Parse(args[0]) : 32;
var seconds = args.Length > 1 ? double.Parse(args[1]) : 5;
var path = args.Length > 2 ? args[2] : "/hello";
var which = args.Length > 3 ? args[3] : "both";

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
            (a, var allocated) = RunAgent(url, concurrency, seconds);
            Console.WriteLine($"round {round + 1}: Torsion Agent   {a,10:N0} req/s  ({allocated:N0} B allocated per request on the reactor thread)");
        }

        if (which != "agent")
        {
            h = await RunHttpClient(url, concurrency, seconds);
            Console.WriteLine($"round {round + 1}: HttpClient      {h,10:N0} req/s");
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

static (double RequestsPerSecond, long BytesPerRequest) RunAgent(Uri url, int concurrency, double seconds)
{
    using var reactor = ReactorFactory.Create();
    var done = new TaskCompletionSource<(double, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
    reactor.CallFromThread(() =>
    {
        var agent = new Agent(reactor, new AgentOptions { MaxConnectionsPerHost = concurrency });
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        var warm = true;
        var running = concurrency;
        long allocatedAtStart = 0;
        void Loop()
        {
            if (stopwatch.Elapsed.TotalSeconds >= seconds)
            {
                if (--running == 0)
                {
                    done.SetResult((count / stopwatch.Elapsed.TotalSeconds, (GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart) / Math.Max(count, 1)));
                    reactor.Stop();
                }

                return;
            }

            agent.Request("GET", url).AddCallback(r => r.ReadBody()).AddBoth(r =>
            {
                if (!r.Success)
                {
                    done.TrySetException(r.Error!);
                    reactor.Stop();
                    return;
                }

                count++;
                Loop();
            });
        }

        reactor.CallLater(TimeSpan.FromMilliseconds(500), () => { warm = false; count = 0; allocatedAtStart = GC.GetAllocatedBytesForCurrentThread(); stopwatch.Restart(); });
        for (var i = 0; i < concurrency; i++)
        {
            Loop();
        }

        _ = warm;
    });
    reactor.Run();
    return done.Task.GetAwaiter().GetResult();
}

static async Task<double> RunHttpClient(Uri url, int concurrency, double seconds)
{
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false, AutomaticDecompression = DecompressionMethods.None });
    long count = 0;
    var stopwatch = Stopwatch.StartNew();
    var measuring = false;
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
                        stopwatch.Restart();
                    }
                }
            }
        }
    }

    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Loop)));
    return Interlocked.Read(ref count) / stopwatch.Elapsed.TotalSeconds;
}
