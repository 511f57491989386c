using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Torsion.Application;
using Torsion.Defer;
using Torsion.Hosting;
using Torsion.Protocols;
using Torsion.Protocols.Wire;

namespace Torsion.Hosting.Tests;

public sealed class AddTorsionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_generic_host_serves_echo_and_StopAsync_closes_the_port()
    {
        StreamServerEndpointService? echo = null;
        Torsion.Reactor.IReactor? reactor = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTorsion(torsion => torsion.AddService(context =>
            (reactor = context.Reactor) is null ? null! : echo = new StreamServerEndpointService(
                Torsion.Endpoints.Endpoints.Server(context.Reactor, "tcp:0:interface=127.0.0.1"),
                Factory.ForProtocol(() => new EchoProtocol()))));
        using var host = builder.Build();

        using (var cts = new CancellationTokenSource(Wait))
        {
            await host.StartAsync(cts.Token);
        }

        var port = await ListeningPortAsync(reactor!, echo!);
        using (var client = new TcpClient(AddressFamily.InterNetwork))
        {
            using var cts = new CancellationTokenSource(Wait);
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("hosted\n"u8.ToArray(), cts.Token);
            var reply = new byte[7];
            await stream.ReadExactlyAsync(reply, cts.Token);
            Assert.Equal("hosted\n"u8.ToArray(), reply);
        }

        using (var cts = new CancellationTokenSource(Wait))
        {
            await host.StopAsync(cts.Token);
        }

        Assert.False(echo!.Running);
        using var after = new TcpClient(AddressFamily.InterNetwork);
        using var connectTimeout = new CancellationTokenSource(Wait);
        await Assert.ThrowsAnyAsync<SocketException>(async () => await after.ConnectAsync(IPAddress.Loopback, port, connectTimeout.Token));
    }

    [Fact]
    public async Task Services_start_in_order_stop_in_reverse_and_their_stop_Deferreds_are_awaited()
    {
        var events = new List<string>();
        Deferred<Unit>? slowStop = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTorsion(torsion => torsion
            .AddService(_ => new Recording("a", events, () => Deferred.Succeed()))
            .AddService(context => new Recording("b", events, () =>
            {
                slowStop = new Deferred<Unit>();
                var stop = slowStop;
                context.Reactor.CallLater(TimeSpan.FromMilliseconds(50), () =>
                {
                    lock (events)
                    {
                        events.Add("b stopped");
                    }

                    stop.Callback(Unit.Value);
                });
                return stop;
            })));
        using var host = builder.Build();
        using var cts = new CancellationTokenSource(Wait);

        await host.StartAsync(cts.Token);
        await host.StopAsync(cts.Token);

        Assert.Equal(["start a", "start b", "stop b", "stop a", "b stopped"], events);
    }

    [Fact]
    public async Task The_reactor_logs_through_the_host_logger_factory()
    {
        ILoggerFactory? seen = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTorsion(torsion => torsion.AddService(context =>
        {
            seen = context.LoggerFactory;
            return new MultiService();
        }));
        using var host = builder.Build();
        using var cts = new CancellationTokenSource(Wait);

        await host.StartAsync(cts.Token);
        await host.StopAsync(cts.Token);

        Assert.Same(host.Services.GetRequiredService<ILoggerFactory>(), seen);
    }

    [Fact]
    public async Task A_builder_that_throws_fails_the_host_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTorsion(torsion => torsion.AddService(_ => throw new InvalidOperationException("no such file: site/")));
        using var host = builder.Build();
        using var cts = new CancellationTokenSource(Wait);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(cts.Token));

        Assert.Equal("no such file: site/", error.Message);
    }

    private static async Task<int> ListeningPortAsync(Torsion.Reactor.IReactor reactor, StreamServerEndpointService service)
    {
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.CallFromThread(() => service.WhenListening().AddBoth(result =>
        {
            if (result.Success)
            {
                listening.TrySetResult(((IPEndPoint)result.Value.Host).Port);
            }
            else
            {
                listening.TrySetException(result.Error!);
            }
        }));
        return await listening.Task.WaitAsync(Wait);
    }

    private sealed class Recording(string name, List<string> events, Func<Deferred<Unit>> stop) : Service
    {
        public override void StartService()
        {
            base.StartService();
            lock (events)
            {
                events.Add("start " + name);
            }
        }

        public override Deferred<Unit> StopService()
        {
            base.StopService();
            lock (events)
            {
                events.Add("stop " + name);
            }

            return stop();
        }
    }
}
