// TLS echo bench. usage:
//   torsion-tls-bench torsion PORT CERT KEY     Torsion ListenSsl echo on 127.0.0.1 (epoll reactor)
//   torsion-tls-bench kestrel PORT CERT KEY     Kestrel UseHttps + connection handler echo on 127.0.0.1
//   torsion-tls-bench load PORT SECONDS CONNS   SslStream clients, TLS 1.3, 16 KiB ping-pong; prints MiB/s
// Handshakes per second: `openssl s_time -connect 127.0.0.1:PORT -new -tls1_3 -time 10`.
using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tls;

switch (args[0])
{
    case "torsion":
    {
        using var reactor = new EpollReactor(new ReactorOptions());
        reactor.CallFromThread(() => reactor.ListenSsl(int.Parse(args[1]), Factory.ForProtocol(() => new Echo()), TlsOptions.Server(args[2], args[3]), 1024, "127.0.0.1"));
        Console.Error.WriteLine($"torsion tls echo on 127.0.0.1:{args[1]}");
        reactor.Run();
        break;
    }

    case "kestrel":
    {
        var certificate = X509Certificate2.CreateFromPemFile(args[2], args[3]);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, int.Parse(args[1]), listen =>
        {
            listen.UseHttps(certificate);
            listen.UseConnectionHandler<EchoHandler>();
        }));
        var app = builder.Build();
        Console.Error.WriteLine($"kestrel tls echo on 127.0.0.1:{args[1]}");
        app.Run();
        break;
    }

    case "load":
    {
        var port = int.Parse(args[1]);
        var seconds = double.Parse(args[2]);
        var connections = int.Parse(args[3]);
        long bytes = 0;
        var stop = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        var tasks = Enumerable.Range(0, connections).Select(async _ =>
        {
            using var tcp = new TcpClient();
            tcp.NoDelay = true;
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            #pragma warning disable CA5359 // bench client on loopback with a throwaway certificate
            using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
#pragma warning restore CA5359
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls13 });
            var message = new byte[16 * 1024];
            var back = new byte[16 * 1024];
            while (stop.Elapsed < end)
            {
                await ssl.WriteAsync(message);
                var got = 0;
                while (got < back.Length)
                {
                    var n = await ssl.ReadAsync(back.AsMemory(got));
                    if (n == 0)
                    {
                        throw new IOException("server closed");
                    }

                    got += n;
                }

                Interlocked.Add(ref bytes, got);
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        var elapsed = stop.Elapsed.TotalSeconds;
        Console.WriteLine($"{connections} conns, 16 KiB ping-pong: {bytes / elapsed / (1 << 20):F1} MiB/s echoed ({bytes / elapsed / 16384:F0} msgs/s)");
        break;
    }
}

sealed class Echo : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

sealed class EchoHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(result.Buffer.End);
                var flush = await output.FlushAsync();
                if (result.IsCompleted || flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
        }
        catch (IOException)
        {
        }
    }
}
