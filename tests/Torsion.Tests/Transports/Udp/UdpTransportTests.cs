using System.Net;
using System.Net.Sockets;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports;
using Torsion.Transports.Udp;

namespace Torsion.Tests.Transports.Udp;

/// <summary>UDP transport behaviour, written once and run against every reactor.</summary>
public abstract class UdpTransportTests : ReactorHarness
{
    protected async Task<(IUdpTransport Port, IPEndPoint Host)> Listen(DatagramRecorder protocol, string address = "127.0.0.1", int maxPacketSize = 8192)
    {
        var port = await On(() => Reactor.ListenUdp(0, protocol, address, maxPacketSize));
        return (port, (IPEndPoint)port.Host);
    }

    private static Socket Peer(string address)
    {
        var ip = IPAddress.Parse(address);
        var socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(ip, 0));
        return socket;
    }

    private static async Task<(byte[] Data, EndPoint From)> ReceiveFrom(Socket socket)
    {
        var buffer = new byte[65536];
        var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0)).WaitAsync(Timeout);
        return (buffer[..result.ReceivedBytes], result.RemoteEndPoint);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task A_datagram_is_received_with_its_sender_and_can_be_answered(string address)
    {
        var echo = new DatagramEcho();
        var (_, host) = await Listen(echo, address);
        await Within(echo.Started.Task);
        using var peer = Peer(address);
        await peer.SendToAsync("ping"u8.ToArray(), host);
        var (data, from) = await ReceiveFrom(peer);
        Assert.Equal("ping"u8.ToArray(), data);
        Assert.Equal(host, from);
        Assert.True(echo.Received.TryPeek(out var first));
        Assert.Equal(peer.LocalEndPoint, first.From);
    }

    [Fact]
    public async Task Host_reports_the_port_the_system_chose()
    {
        var (port, host) = await Listen(new DatagramRecorder());
        Assert.NotEqual(0, host.Port);
        Assert.Equal(IPAddress.Loopback, host.Address);
        Assert.Same(port.Host, await On(() => port.Host));
    }

    [Fact]
    public async Task Every_ready_datagram_is_read_and_a_repeated_sender_is_the_same_EndPoint_object()
    {
        var recorder = new DatagramRecorder();
        var (_, host) = await Listen(recorder);
        using var peer = Peer("127.0.0.1");
        // Bursts of 50: several datagrams are ready per readiness event, yet no burst overflows the receive buffer.
        for (var burst = 0; burst < 6; burst++)
        {
            for (var i = burst * 50; i < (burst + 1) * 50; i++)
            {
                peer.SendTo(BitConverter.GetBytes(i), host);
            }

            await Within(recorder.WaitFor((burst + 1) * 50));
        }

        var received = recorder.Received.ToArray();
        Assert.Equal(Enumerable.Range(0, 300), received.Select(r => BitConverter.ToInt32(r.Data)));
        Assert.All(received, r => Assert.Same(received[0].From, r.From));
    }

    [Fact]
    public async Task A_datagram_longer_than_maxPacketSize_is_cut()
    {
        var recorder = new DatagramRecorder();
        var (_, host) = await Listen(recorder, maxPacketSize: 10);
        using var peer = Peer("127.0.0.1");
        peer.SendTo(new byte[100], host);
        await Within(recorder.WaitFor(1));
        Assert.True(recorder.Received.TryPeek(out var first));
        Assert.Equal(10, first.Data.Length);
    }

    [Fact]
    public async Task Two_ports_exchange_datagrams()
    {
        var a = new DatagramRecorder();
        var b = new DatagramEcho();
        var (portA, _) = await Listen(a);
        var (_, hostB) = await Listen(b);
        await On(() => portA.Write("one"u8, hostB));
        await Within(a.WaitFor(1));
        Assert.True(a.Received.TryPeek(out var answer));
        Assert.Equal("one"u8.ToArray(), answer.Data);
        Assert.Equal(hostB, answer.From);
    }

    [Fact]
    public async Task A_connected_port_hears_ConnectionRefused_when_nothing_listens_at_the_address()
    {
        var recorder = new DatagramRecorder();
        var (port, _) = await Listen(recorder);
        var closed = UdpPorts.Unused();
        await On(() =>
        {
            port.Connect("127.0.0.1", closed);
            port.Write("anyone?"u8);
        });
        // The ICMP answer is reported on the next receive (epoll wakes the reader on the socket error) or the next
        // send (select does not report error-only readiness), so keep sending, one reactor turn apart.
        using var deadline = new CancellationTokenSource(Timeout);
        while (!recorder.Refused.Task.IsCompleted && !deadline.IsCancellationRequested)
        {
            await On(() => port.Write("anyone?"u8));
        }

        await Within(recorder.Refused.Task);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, closed), await On(() => port.ConnectedAddress));
    }

    [Fact]
    public async Task A_connected_port_sends_without_an_address_and_refuses_another_address()
    {
        var target = new DatagramRecorder();
        var (_, targetHost) = await Listen(target);
        var (port, host) = await Listen(new DatagramRecorder());
        await On(() =>
        {
            port.Connect("127.0.0.1", targetHost.Port);
            port.Write("hi"u8);
            port.Write("again"u8, targetHost);
        });
        await Within(target.WaitFor(2));
        Assert.All(target.Received, r => Assert.Equal(host, r.From));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => On(() => port.Write("x"u8, new IPEndPoint(IPAddress.Loopback, 9))));
        Assert.Contains("is connected to", error.Message);
    }

    [Fact]
    public async Task Writing_without_an_address_on_an_unconnected_port_fails()
    {
        var (port, _) = await Listen(new DatagramRecorder());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => On(() => port.Write("x"u8)));
        Assert.Contains("is not connected", error.Message);
    }

    [Fact]
    public async Task Connecting_to_a_host_name_is_refused_with_an_error_naming_it()
    {
        var (port, _) = await Listen(new DatagramRecorder());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => On(() => port.Connect("localhost", 53)));
        Assert.Contains("'localhost'", error.Message);
    }

    [Fact]
    public async Task Binding_a_port_in_use_names_the_address()
    {
        var (_, host) = await Listen(new DatagramRecorder());
        var error = await Assert.ThrowsAsync<CannotListenException>(() => On(() => Reactor.ListenUdp(host.Port, new DatagramRecorder(), "127.0.0.1")));
        Assert.Contains($"127.0.0.1:{host.Port}", error.Message);
        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public async Task StopListening_stops_the_protocol_and_frees_the_port()
    {
        var recorder = new DatagramRecorder();
        var (port, host) = await Listen(recorder);
        await On(() => port.StopListening());
        await Within(recorder.Stopped.Task);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(host);
        await Assert.ThrowsAsync<InvalidOperationException>(() => On(() => port.Write("x"u8, host)));
    }

    [Fact]
    public async Task Broadcast_is_off_until_allowed()
    {
        var (port, _) = await Listen(new DatagramRecorder());
        Assert.False(await On(() => port.BroadcastAllowed));
        Assert.True(await On(() =>
        {
            port.SetBroadcastAllowed(true);
            return port.BroadcastAllowed;
        }));
    }

    [Fact]
    public async Task An_exception_in_DatagramReceived_is_logged_and_the_port_goes_on()
    {
        var thrower = new ThrowingOnce();
        var (_, host) = await Listen(thrower);
        using var peer = Peer("127.0.0.1");
        peer.SendTo("boom"u8.ToArray(), host);
        peer.SendTo("fine"u8.ToArray(), host);
        await Within(thrower.WaitFor(2));
        Assert.Contains(Logs.Entries, e => e.Exception?.Message == "boom");
    }

    [Fact]
    public async Task Writes_from_another_thread_are_refused_with_a_hint_to_use_CallFromThread()
    {
        var (port, host) = await Listen(new DatagramRecorder());
        var error = Assert.Throws<InvalidOperationException>(() => port.Write("x"u8, host));
        Assert.Contains("CallFromThread", error.Message);
    }

    [Fact]
    public async Task Echoing_datagrams_from_one_sender_allocates_nothing_per_datagram_on_epoll()
    {
        var echo = new AllocationMeter(first: 50, last: 250);
        var port = await On(() => Reactor.ListenUdp(0, echo, "127.0.0.1"));
        var host = (IPEndPoint)port.Host;
        using var peer = Peer("127.0.0.1");
        peer.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        var buffer = new byte[64];
        await Task.Run(() =>
        {
            for (var i = 0; i < 250; i++)
            {
                peer.SendTo(buffer.AsSpan(0, 32), SocketFlags.None, host);
                Assert.Equal(32, peer.Receive(buffer));
            }
        }).WaitAsync(Timeout);
        var allocated = await Within(echo.Measured.Task);
        if (Reactor is EpollReactor)
        {
            // The select reactor allocates in Socket.Select itself; the datagram path is the same for both.
            Assert.Equal(0, allocated);
        }
    }

    /// <summary>Echoes without allocating; measures the reactor thread's allocations between two datagrams.</summary>
    private sealed class AllocationMeter(int first, int last) : Torsion.Protocols.DatagramProtocol
    {
        private int _count;
        private long _start;

        public TaskCompletionSource<long> Measured { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void DatagramReceived(ReadOnlySpan<byte> datagram, EndPoint from)
        {
            Transport.Write(datagram, from);
            _count++;
            if (_count == first)
            {
                _start = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (_count == last)
            {
                Measured.TrySetResult(GC.GetAllocatedBytesForCurrentThread() - _start);
            }
        }
    }

    private sealed class ThrowingOnce : DatagramRecorder
    {
        private bool _thrown;

        protected override void OnDatagram(ReadOnlySpan<byte> datagram, EndPoint from)
        {
            if (!_thrown)
            {
                _thrown = true;
                throw new InvalidOperationException("boom");
            }
        }
    }
}

public static class UdpPorts
{
    /// <summary>A loopback UDP port that nothing is bound to (bound then closed).</summary>
    public static int Unused()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

public sealed class EpollUdpTransportTests : UdpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectUdpTransportTests : UdpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibUdpTransportTests : UdpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
