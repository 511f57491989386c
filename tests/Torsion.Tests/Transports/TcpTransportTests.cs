using System.Net;
using System.Net.Sockets;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports;
using Torsion.Transports.Tcp;

namespace Torsion.Tests.Transports;

/// <summary>TCP transport behaviour, written once and run against every reactor.</summary>
public abstract class TcpTransportTests : ReactorHarness
{
    protected async Task<(IListeningPort Port, int Number)> Listen(Func<IProtocol> create, string address = "127.0.0.1")
    {
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(create), interfaceAddress: address));
        return (port, ((IPEndPoint)port.Host).Port);
    }

    protected async Task<(T Server, Recorder Client)> Pair<T>(Func<T> server, Recorder? client = null, string address = "127.0.0.1")
        where T : Recorder
    {
        var made = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, port) = await Listen(() =>
        {
            var s = server();
            s.Made.Task.ContinueWith(_ => made.TrySetResult(s), TaskScheduler.Default);
            return s;
        }, address);
        client ??= new Recorder();
        var c = client;
        await On(() => Reactor.ConnectTcp(address, port, new ClientFactory(_ => c)));
        await Within(client.Made.Task);
        return (await Within(made.Task), client);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Bytes_written_by_a_client_are_echoed_back(string address)
    {
        var (_, client) = await Pair(() => new EchoProtocol(), address: address);
        await On(() =>
        {
            client.Transport.Write("hello "u8);
            client.Transport.Write("world"u8);
        });
        await Within(client.WaitForBytes(11));
        Assert.Equal("hello world"u8.ToArray(), client.Received);
    }

    [Fact]
    public async Task Peer_and_Host_are_the_two_ends_of_the_connection()
    {
        var (server, client) = await Pair(() => new Recorder());
        var (serverHost, serverPeer, clientHost, clientPeer) = await On(() =>
            (server.Transport.Host, server.Transport.Peer, client.Transport.Host, client.Transport.Peer));
        Assert.Equal(serverHost, clientPeer);
        Assert.Equal(serverPeer, clientHost);
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)serverHost).Address);
    }

    [Fact]
    public async Task Connecting_to_a_port_nobody_listens_on_fails_with_ConnectionRefusedException()
    {
        var factory = new RecordingClientFactory(() => new Recorder());
        var port = Ports.Unused();
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, factory));
        var reason = await Within(factory.Failed.Task);
        Assert.IsType<ConnectionRefusedException>(reason);
        Assert.Contains($"127.0.0.1:{port}", reason.Message);
    }

    [Fact]
    public async Task Listening_on_a_port_in_use_names_the_address_and_port()
    {
        var (_, port) = await Listen(() => new Recorder());
        var error = await Assert.ThrowsAsync<CannotListenException>(() => On(() => Reactor.ListenTcp(port, Factory.ForProtocol(() => new Recorder()), interfaceAddress: "127.0.0.1")));
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public async Task Connecting_times_out_with_TimeoutException_when_the_handshake_never_completes()
    {
        // A listener with a full accept queue drops further SYNs, so the next handshake hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList();
        try
        {
            foreach (var filler in fillers)
            {
                _ = filler.ConnectAsync(IPAddress.Loopback, port);
            }

            var factory = new RecordingClientFactory(() => new Recorder());
            await On(() => Reactor.ConnectTcp("127.0.0.1", port, factory, timeout: TimeSpan.FromMilliseconds(300)));
            var reason = await Within(factory.Failed.Task);
            Assert.IsType<TimeoutException>(reason);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task StopConnecting_fails_the_attempt_with_OperationCanceledException()
    {
        var (_, port) = await Listen(() => new Recorder());
        var factory = new RecordingClientFactory(() => new Recorder());
        var state = await On(() =>
        {
            var connector = Reactor.ConnectTcp("127.0.0.1", port, factory);
            connector.StopConnecting();
            return connector.State;
        });
        Assert.Equal(ConnectorState.Disconnected, state);
        Assert.IsType<OperationCanceledException>(await Within(factory.Failed.Task));
    }

    [Fact]
    public async Task TCP_NODELAY_is_on_by_default_and_keep_alive_can_be_switched_on()
    {
        var (server, client) = await Pair(() => new Recorder());
        var (serverNoDelay, clientNoDelay, keepAlive) = await On(() =>
        {
            var tcp = Assert.IsAssignableFrom<ITcpTransport>(client.Transport);
            tcp.KeepAlive = true;
            return (((ITcpTransport)server.Transport).NoDelay, tcp.NoDelay, tcp.KeepAlive);
        });
        Assert.True(serverNoDelay);
        Assert.True(clientNoDelay);
        Assert.True(keepAlive);
    }

    [Fact]
    public async Task A_half_closeable_protocol_hears_the_peers_FIN_and_can_still_answer()
    {
        var (server, client) = await Pair(() => new HalfCloseRecorder());
        server.OnReadLost = () =>
        {
            server.Transport.Write("bye"u8);
            server.Transport.LoseConnection();
        };
        await On(() =>
        {
            client.Transport.Write("request"u8);
            ((IHalfCloseable)client.Transport).LoseWriteConnection();
        });
        await Within(server.ReadLost.Task);
        Assert.Equal("request"u8.ToArray(), server.Received);
        Assert.IsType<ConnectionDoneException>(await Within(client.Lost.Task));
        Assert.Equal("bye"u8.ToArray(), client.Received);
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task LoseWriteConnection_tells_a_half_closeable_protocol_its_write_side_closed()
    {
        var (server, client) = await Pair(() => new Recorder(), new HalfCloseRecorder());
        await On(() => ((IHalfCloseable)client.Transport).LoseWriteConnection());
        await Within(((HalfCloseRecorder)client).WriteLost.Task);
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task A_FIN_closes_a_protocol_that_is_not_half_closeable_with_ConnectionDone()
    {
        var (server, client) = await Pair(() => new Recorder(), new HalfCloseRecorder());
        await On(() => ((IHalfCloseable)client.Transport).LoseWriteConnection());
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task LoseConnection_sends_every_pending_byte_first()
    {
        var (server, client) = await Pair(() => new Recorder(), new Recorder { KeepBytes = false });
        const int size = 8 << 20;
        await On(() =>
        {
            var chunk = new byte[100_000];
            for (var sent = 0; sent < size; sent += chunk.Length)
            {
                server.Transport.Write(chunk.AsSpan(0, Math.Min(chunk.Length, size - sent)));
            }

            server.Transport.LoseConnection();
        });
        Assert.IsType<ConnectionDoneException>(await Within(client.Lost.Task));
        Assert.Equal(size, client.Count);
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task AbortConnection_resets_the_connection()
    {
        var (server, client) = await Pair(() => new Recorder());
        await On(() =>
        {
            client.Transport.Write(new byte[1000]);
            client.Transport.AbortConnection();
        });
        Assert.IsType<ConnectionLostException>(await Within(client.Lost.Task));
        var reason = await Within(server.Lost.Task);
        Assert.IsType<ConnectionLostException>(reason);
        Assert.Contains("reset", reason.Message);
    }

    [Fact]
    public async Task A_peer_that_resets_mid_write_loses_the_connection_without_harm_to_others()
    {
        var (server, client) = await Pair(() => new Recorder());
        var (other, otherClient) = await Pair(() => new EchoProtocol());
        await On(() =>
        {
            client.Transport.PauseProducing();
            server.Transport.Write(new byte[4 << 20]);
        });
        await On(() => client.Transport.AbortConnection());
        Assert.IsType<ConnectionLostException>(await Within(server.Lost.Task));
        await On(() => otherClient.Transport.Write("still here"u8));
        await Within(otherClient.WaitForBytes(10));
        Assert.False(other.Lost.Task.IsCompleted);
    }

    [Fact]
    public async Task An_exception_in_protocol_code_is_logged_and_closes_only_that_connection()
    {
        var (_, port) = await Listen(() => new ThrowingProtocol());
        var (_, echoClient) = await Pair(() => new EchoProtocol());
        var client = new Recorder();
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, new ClientFactory(_ => client)));
        await Within(client.Made.Task);
        await On(() => client.Transport.Write("x"u8));
        Assert.IsType<ConnectionDoneException>(await Within(client.Lost.Task));
        Assert.Contains(Logs.Entries, e => e.Exception is InvalidDataException && e.Message.Contains(nameof(ThrowingProtocol)));
        await On(() => echoClient.Transport.Write("ok"u8));
        await Within(echoClient.WaitForBytes(2));
    }

    private sealed class ThrowingProtocol : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => throw new InvalidDataException("protocol bug");
    }

    [Fact]
    public async Task A_fast_writer_to_a_peer_that_does_not_read_gets_paused()
    {
        var (server, client) = await Pair(() => new Recorder());
        var producer = await On(() =>
        {
            client.Transport.PauseProducing();
            var p = new FloodProducer(server.Transport, long.MaxValue);
            server.Transport.RegisterProducer(p, streaming: true);
            p.ResumeProducing();
            return p;
        });
        await Within(producer.FirstPause.Task);
        var written = await On(() => producer.Written);
        Assert.InRange(written, 1, 64L << 20);
        await On(() => client.Transport.AbortConnection());
        await Within(server.Lost.Task);
        Assert.True(await On(() => producer.Stopped));
    }

    [Fact]
    public async Task Registering_a_second_producer_is_refused()
    {
        var (server, _) = await Pair(() => new Recorder());
        var error = await On(() =>
        {
            server.Transport.RegisterProducer(new FloodProducer(server.Transport, 0), streaming: true);
            return Assert.Throws<InvalidOperationException>(() => server.Transport.RegisterProducer(new FloodProducer(server.Transport, 0), streaming: true));
        });
        Assert.Contains("registered", error.Message);
    }

    [Fact]
    public async Task StopListening_closes_the_port()
    {
        var (listening, port) = await Listen(() => new Recorder());
        await On(() => listening.StopListening());
        var factory = new RecordingClientFactory(() => new Recorder());
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, factory));
        Assert.IsType<ConnectionRefusedException>(await Within(factory.Failed.Task));
    }

    [Fact]
    public async Task A_factory_that_returns_null_refuses_the_connection()
    {
        var (_, port) = await Listen(() => null!);
        var client = new Recorder();
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, new ClientFactory(_ => client)));
        Assert.IsAssignableFrom<Exception>(await Within(client.Lost.Task));
    }

    [Fact]
    public async Task A_transport_used_from_another_thread_says_to_use_CallFromThread()
    {
        var (server, _) = await Pair(() => new Recorder());
        var error = Assert.Throws<InvalidOperationException>(() => server.Transport.Write("x"u8));
        Assert.Contains("CallFromThread", error.Message);
    }

    [Fact]
    public async Task A_client_factory_hears_of_the_connection_start_and_loss()
    {
        var (_, port) = await Listen(() => new Recorder());
        var client = new Recorder();
        var factory = new RecordingClientFactory(() => client);
        await On(() => Reactor.ConnectTcp("127.0.0.1", port, factory));
        var connector = await Within(factory.Started.Task);
        await Within(client.Made.Task);
        Assert.Equal(ConnectorState.Connected, await On(() => connector.State));
        await On(connector.Disconnect);
        Assert.IsType<ConnectionDoneException>(await Within(factory.ConnectionLostReason.Task));
        Assert.Equal(ConnectorState.Disconnected, await On(() => connector.State));
    }

    [Fact]
    public async Task Stopping_the_reactor_lets_connections_finish_their_writes()
    {
        var (_, port) = await Listen(() => new Recorder());
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var (server, _) = await Pair(() => new Recorder());
        await On(() =>
        {
            server.Transport.Write(new byte[3 << 20]);
            Reactor.Stop();
        });
        StopAndJoin();
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
        _ = port;
    }
}

public sealed class EpollTcpTransportTests : TcpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectTcpTransportTests : TcpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibTcpTransportTests : TcpTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}

public sealed class SynchronizationContextTcpTransportTests : TcpTransportTests
{
    private readonly DispatcherSynchronizationContext _dispatcher = new();

    protected override ReactorBase CreateReactor(ReactorOptions options) => new SynchronizationContextReactor(_dispatcher, options);

    protected override void OnDisposed() => _dispatcher.Dispose();
}
