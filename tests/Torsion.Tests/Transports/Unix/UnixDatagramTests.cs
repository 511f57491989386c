using System.Net;
using System.Net.Sockets;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Tests.Transports.Udp;
using Torsion.Transports;
using Torsion.Transports.Unix;

namespace Torsion.Tests.Transports.Unix;

/// <summary>Unix datagram sockets, written once and run against every reactor.</summary>
public abstract class UnixDatagramTests : ReactorHarness, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("torsion-unixdg-").FullName;

    private string PathFor(string name) => Path.Combine(_directory, name);

    [Fact]
    public async Task A_bound_client_gets_the_answer_at_its_own_path()
    {
        var server = new DatagramEcho();
        var client = new DatagramRecorder();
        var serverPath = PathFor("server.sock");
        var clientPath = PathFor("client.sock");
        await On(() => Reactor.ListenUnixDatagram(serverPath, server));
        var transport = await On(() => Reactor.ConnectUnixDatagram(serverPath, client, bindPath: clientPath));
        await On(() => transport.Write("ping"u8));
        await Within(client.WaitFor(1));
        Assert.True(client.Received.TryPeek(out var answer));
        Assert.Equal("ping"u8.ToArray(), answer.Data);
        Assert.True(server.Received.TryPeek(out var request));
        Assert.Equal(clientPath, request.From.ToString());
    }

    [Fact]
    public async Task A_datagram_from_an_unbound_sender_comes_from_the_unnamed_address()
    {
        var server = new DatagramRecorder();
        var path = PathFor("plain.sock");
        await On(() => Reactor.ListenUnixDatagram(path, server));
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        sender.SendTo("anon"u8.ToArray(), new UnixDomainSocketEndPoint(path));
        await Within(server.WaitFor(1));
        Assert.True(server.Received.TryPeek(out var got));
        Assert.Same(UnnamedUnixEndPoint.Instance, got.From);
    }

    [Fact]
    public async Task Writing_to_a_path_sends_a_datagram_there()
    {
        var path = PathFor("target.sock");
        using var target = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        target.Bind(new UnixDomainSocketEndPoint(path));
        var port = await On(() => Reactor.ListenUnixDatagram(PathFor("source.sock"), new DatagramRecorder()));
        await On(() => port.Write("to a path"u8, new UnixDomainSocketEndPoint(path)));
        var buffer = new byte[64];
        var n = await target.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
        Assert.Equal("to a path"u8.ToArray(), buffer[..n]);
    }

    [Fact]
    public async Task Connecting_to_a_path_nobody_is_bound_to_fails_with_ConnectionRefusedException()
    {
        var error = await Assert.ThrowsAsync<ConnectionRefusedException>(() => On(() => Reactor.ConnectUnixDatagram(PathFor("none.sock"), new DatagramRecorder())));
        Assert.Contains("none.sock", error.Message);
    }

    [Fact]
    public async Task StopListening_removes_the_socket_file_and_stops_the_protocol()
    {
        var path = PathFor("stop.sock");
        var protocol = new DatagramRecorder();
        var port = await On(() => Reactor.ListenUnixDatagram(path, protocol));
        Assert.True(File.Exists(path));
        await On(() => port.StopListening());
        await Within(protocol.Stopped.Task);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_stale_datagram_socket_file_is_reused_and_a_live_one_refused()
    {
        var path = PathFor("dgstale.sock");
        StaleSocketFile.Create(path, 2);
        Assert.True(File.Exists(path));

        await On(() => Reactor.ListenUnixDatagram(path, new DatagramRecorder()));
        var error = await Assert.ThrowsAsync<CannotListenException>(() => On(() => Reactor.ListenUnixDatagram(path, new DatagramRecorder())));
        Assert.Contains("already in use", error.Message);
    }

    void IDisposable.Dispose()
    {
        Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class EpollUnixDatagramTests : UnixDatagramTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectUnixDatagramTests : UnixDatagramTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibUnixDatagramTests : UnixDatagramTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
