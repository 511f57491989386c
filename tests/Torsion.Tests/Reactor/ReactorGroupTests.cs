using System.Collections.Concurrent;
using System.Net;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Transports;

namespace Torsion.Tests.Reactor;

public sealed class ReactorGroupTests
{
    [Fact]
    public async Task A_group_port_shares_one_port_and_each_connection_stays_on_one_reactor_thread()
    {
        using var group = new ReactorGroup(2, ReactorKind.Epoll);
        var threadsPerConnection = new ConcurrentBag<HashSet<int>>();
        var port = group.ListenTcp(0, Factory.ForProtocol(() => new ThreadRecordingEcho(threadsPerConnection)), interfaceAddress: "127.0.0.1");
        group.Start();
        try
        {
            var number = ((IPEndPoint)port.Host).Port;
            Assert.NotEqual(0, number);
            var clients = new List<System.Net.Sockets.TcpClient>();
            for (var i = 0; i < 8; i++)
            {
                var c = new System.Net.Sockets.TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, number).WaitAsync(ReactorHarness.Timeout);
                clients.Add(c);
                var stream = c.GetStream();
                for (var round = 0; round < 3; round++)
                {
                    await stream.WriteAsync(new byte[] { 1, 2, 3 });
                    var buffer = new byte[3];
                    await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(ReactorHarness.Timeout);
                }
            }

            clients.ForEach(c => c.Dispose());
            Assert.All(threadsPerConnection, threads => Assert.Single(threads));
        }
        finally
        {
            group.Stop();
            Assert.True(group.Join(ReactorHarness.Timeout));
        }
    }

    private sealed class ThreadRecordingEcho(ConcurrentBag<HashSet<int>> bag) : Protocol
    {
        private readonly HashSet<int> _threads = [];

        public override void ConnectionMade()
        {
            bag.Add(_threads);
            _threads.Add(Environment.CurrentManagedThreadId);
        }

        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            _threads.Add(Environment.CurrentManagedThreadId);
            Transport.Write(data);
        }
    }

    [Fact]
    public void TORSION_REACTOR_chooses_the_reactor_and_a_bad_value_is_named()
    {
        Assert.IsType<SelectReactor>(ReactorFactory.Create(ReactorKind.Select));
        Assert.IsType<EpollReactor>(ReactorFactory.Create(ReactorKind.Epoll));
    }
}

public sealed class ReactorGroupPortTests
{
    [Fact]
    public async Task StopListening_fires_once_every_reactors_socket_is_closed_and_the_port_refuses_connections()
    {
        using var group = new ReactorGroup(2, ReactorKind.Epoll);
        var port = group.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1");
        group.Start();
        try
        {
            var number = ((IPEndPoint)port.Host).Port;
            await port.StopListening().AsTask().WaitAsync(ReactorHarness.Timeout);
            // Every per-reactor socket is closed by now: nothing accepts on the port (SO_REUSEPORT sockets each refused alone).
            for (var i = 0; i < 8; i++)
            {
                using var client = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                var error = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync(IPAddress.Loopback, number).WaitAsync(ReactorHarness.Timeout));
                Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, error.SocketErrorCode);
            }
        }
        finally
        {
            group.Stop();
            Assert.True(group.Join(ReactorHarness.Timeout));
        }
    }

    [Fact]
    public async Task StopListening_called_on_a_reactor_of_the_group_fires_on_that_reactor_without_blocking_it()
    {
        using var group = new ReactorGroup(2, ReactorKind.Epoll);
        var port = group.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1");
        group.Start();
        try
        {
            var caller = group.Reactors[1];
            var firedOnCaller = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            caller.CallFromThread(() => port.StopListening().AddBoth(_ => firedOnCaller.TrySetResult(caller.IsInReactorThread)));
            Assert.True(await firedOnCaller.Task.WaitAsync(ReactorHarness.Timeout));
        }
        finally
        {
            group.Stop();
            Assert.True(group.Join(ReactorHarness.Timeout));
        }
    }
}

public sealed class ReactorGroupStoppedPortTests
{
    [Fact]
    public async Task StopListening_after_the_group_stopped_fires_at_once()
    {
        using var group = new ReactorGroup(2, ReactorKind.Epoll);
        var port = group.ListenTcp(0, Factory.ForProtocol(() => new EchoProtocol()), interfaceAddress: "127.0.0.1");
        group.Start();
        group.Stop();
        Assert.True(group.Join(ReactorHarness.Timeout));
        await port.StopListening().AsTask().WaitAsync(ReactorHarness.Timeout);
    }
}
