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
