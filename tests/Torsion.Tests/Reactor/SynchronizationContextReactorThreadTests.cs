using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Transports;

namespace Torsion.Tests.Reactor;

/// <summary>The SynchronizationContext reactor runs every callback on the context's one thread (a GUI thread).</summary>
public sealed class SynchronizationContextReactorThreadTests : ReactorHarness
{
    private readonly DispatcherSynchronizationContext _dispatcher = new();

    protected override ReactorBase CreateReactor(ReactorOptions options) => new SynchronizationContextReactor(_dispatcher, options);

    protected override void OnDisposed()
    {
        _dispatcher.Dispose();
        Assert.Empty(_dispatcher.Escaped);
    }

    [Fact]
    public async Task Every_protocol_callback_of_a_TCP_echo_runs_on_the_dispatcher_thread()
    {
        var server = new EchoProtocol();
        var client = new Recorder();
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => server), interfaceAddress: "127.0.0.1"));
        await On(() => Reactor.ConnectTcp("127.0.0.1", ((IPEndPoint)port.Host).Port, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        await On(() => client.Transport.Write("through the dispatcher"u8));
        await Within(client.WaitForBytes(22));
        await On(() => client.Transport.LoseConnection());
        await Within(server.Lost.Task);
        await Within(client.Lost.Task);

        Assert.Equal("through the dispatcher"u8.ToArray(), client.Received);
        Assert.NotEmpty(server.CallbackThreads);
        Assert.All(server.CallbackThreads, id => Assert.Equal(_dispatcher.ThreadId, id));
        Assert.All(client.CallbackThreads, id => Assert.Equal(_dispatcher.ThreadId, id));
        Assert.True(client.CallbackThreads.Count >= 3, "made, data and lost were all recorded");
    }

    [Fact]
    public async Task Timers_calls_from_threads_awaits_and_thread_results_run_on_the_dispatcher_thread()
    {
        var timer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterAwait = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var deferred = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() =>
        {
            Reactor.CallLater(TimeSpan.FromMilliseconds(5), () => timer.SetResult(Environment.CurrentManagedThreadId));
            Reactor.DeferToThread(() => 42).AddCallback(_ =>
            {
                deferred.SetResult(Environment.CurrentManagedThreadId);
                return Unit.Value;
            });
            _ = Continue();

            async Task Continue()
            {
                await Task.Run(() => { });
                afterAwait.SetResult(Environment.CurrentManagedThreadId);
            }
        });
        var fromThread = await Task.Run(() => On(() => Environment.CurrentManagedThreadId));

        Assert.Equal(_dispatcher.ThreadId, await Within(timer.Task));
        Assert.Equal(_dispatcher.ThreadId, await Within(afterAwait.Task));
        Assert.Equal(_dispatcher.ThreadId, await Within(deferred.Task));
        Assert.Equal(_dispatcher.ThreadId, fromThread);
    }

    [Fact]
    public async Task Dispatcher_code_outside_a_reactor_callback_may_write_and_schedule_and_is_picked_up()
    {
        var (_, client) = await EchoPair();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A "button click": plain dispatcher work, not a reactor batch, while the watcher sleeps with no timer.
        await Within(_dispatcher.Invoke(() =>
        {
            client.Transport.Write("clicked"u8);
            Reactor.CallLater(TimeSpan.FromMilliseconds(1), fired.SetResult);
            return true;
        }));

        await Within(client.WaitForBytes(7));
        await Within(fired.Task);
    }

    [Fact]
    public void Run_on_the_dispatcher_thread_is_refused_with_a_pointer_to_Start()
    {
        using var reactor = new SynchronizationContextReactor(_dispatcher);
        var error = Assert.Throws<InvalidOperationException>(() =>
            _dispatcher.Invoke(() =>
            {
                reactor.Run();
                return true;
            }).GetAwaiter().GetResult());
        Assert.Contains("Start()", error.Message);
    }

    private async Task<(EchoProtocol Server, Recorder Client)> EchoPair()
    {
        var server = new EchoProtocol();
        var client = new Recorder();
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => server), interfaceAddress: "127.0.0.1"));
        await On(() => Reactor.ConnectTcp("127.0.0.1", ((IPEndPoint)port.Host).Port, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        return (server, client);
    }
}

/// <summary>A GUI application starts the reactor from its dispatcher thread with Start(), which returns at once.</summary>
public sealed class SynchronizationContextReactorStartTests
{
    [Fact]
    public async Task Start_from_the_dispatcher_returns_and_the_reactor_serves_until_stopped()
    {
        using var dispatcher = new DispatcherSynchronizationContext();
        using var reactor = new SynchronizationContextReactor(dispatcher);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var port = await dispatcher.Invoke(() =>
        {
            reactor.Start();
            reactor.AddSystemEventTrigger(SystemEventPhase.After, SystemEventType.Shutdown, stopped.SetResult);
            return ((IPEndPoint)reactor.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1").Host).Port;
        }).WaitAsync(ReactorHarness.Timeout);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(ReactorHarness.Timeout);
        await socket.SendAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        var read = 0;
        while (read < 4)
        {
            read += await socket.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(ReactorHarness.Timeout);
        }

        Assert.Equal("ping"u8.ToArray(), buffer);
        reactor.Stop();
        await stopped.Task.WaitAsync(ReactorHarness.Timeout);
        Assert.True(await dispatcher.Invoke(() => reactor.IsInReactorThread).WaitAsync(ReactorHarness.Timeout));
        Assert.Empty(dispatcher.Escaped);
    }
}
