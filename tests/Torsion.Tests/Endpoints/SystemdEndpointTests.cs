using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Endpoints;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Testing;
using Torsion.Tests.Reactor;

namespace Torsion.Tests.Endpoints;

public sealed class SystemdEndpointTests
{
    private readonly MemoryReactor _reactor = new();

    private sealed class Plain : Protocol;

    private static Dictionary<string, string?> Env(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => (string?)p.Value);

    private static Exception FailureOf<T>(Deferred<T> d)
    {
        Exception? error = null;
        d.AddErrback(e =>
        {
            error = e;
            return default(T)!;
        });
        return error ?? throw new Xunit.Sdk.XunitException("the Deferred did not fail");
    }

    [Fact]
    public void ListenFds_reads_count_and_names_for_this_process()
    {
        var env = Env(("LISTEN_PID", "42"), ("LISTEN_FDS", "2"), ("LISTEN_FDNAMES", "web:admin"));
        var fds = ListenFds.Parse(k => env.GetValueOrDefault(k), 42);
        Assert.Equal([3, 4], fds.Descriptors);
        Assert.Equal(["web", "admin"], fds.Names);
    }

    [Fact]
    public void ListenFds_for_another_process_are_ignored()
    {
        var env = Env(("LISTEN_PID", "41"), ("LISTEN_FDS", "2"));
        Assert.Empty(ListenFds.Parse(k => env.GetValueOrDefault(k), 42).Descriptors);
    }

    [Fact]
    public void ListenFds_bad_count_is_named()
    {
        var env = Env(("LISTEN_PID", "42"), ("LISTEN_FDS", "two"));
        Assert.Equal("LISTEN_FDS must be a count of descriptors, not 'two'.", Assert.Throws<FormatException>(() => ListenFds.Parse(k => env.GetValueOrDefault(k), 42)).Message);
    }

    [Fact]
    public void Index_picks_the_descriptor_and_the_reactor_adopts_it()
    {
        var endpoint = new SystemdEndpoint(_reactor, AddressFamily.InterNetworkV6, 1, listenFds: new ListenFds([3, 4], ["a", "b"]));
        endpoint.Listen(Factory.ForProtocol(() => new Plain()));
        var adopted = Assert.Single(_reactor.AdoptedPorts);
        Assert.Equal((4, AddressFamily.InterNetworkV6), (adopted.FileDescriptor, adopted.AddressFamily));
    }

    [Fact]
    public void Name_picks_the_descriptor()
    {
        new SystemdEndpoint(_reactor, AddressFamily.InterNetwork, name: "b", listenFds: new ListenFds([3, 4], ["a", "b"])).Listen(Factory.ForProtocol(() => new Plain()));
        Assert.Equal(4, Assert.Single(_reactor.AdoptedPorts).FileDescriptor);
    }

    [Fact]
    public void Missing_index_fails_the_listen_with_the_reason()
    {
        var d = new SystemdEndpoint(_reactor, AddressFamily.InterNetwork, 0, listenFds: new ListenFds([], [])).Listen(Factory.ForProtocol(() => new Plain()));
        Assert.Equal("systemd passed no sockets to this process (LISTEN_FDS/LISTEN_PID are unset or name another process), so index 0 does not exist.", FailureOf(d).Message);
    }

    [Fact]
    public void Missing_name_fails_the_listen_with_the_names_given()
    {
        var d = new SystemdEndpoint(_reactor, AddressFamily.InterNetwork, name: "web", listenFds: new ListenFds([3], ["admin"])).Listen(Factory.ForProtocol(() => new Plain()));
        Assert.Equal("systemd passed no socket named 'web' (LISTEN_FDNAMES names admin).", FailureOf(d).Message);
    }
}

public sealed class AdoptStreamPortTests : ReactorHarness
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);

    [Fact]
    public async Task A_socket_that_does_not_listen_is_refused()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => On(() => Reactor.AdoptStreamPort((int)socket.Handle, AddressFamily.InterNetwork, Factory.ForProtocol(() => new Protocol0()))));
        Assert.Contains("is not listening", error.Message);
    }

    [Fact]
    public async Task A_socket_of_another_family_is_refused()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => On(() => Reactor.AdoptStreamPort((int)socket.Handle, AddressFamily.InterNetworkV6, Factory.ForProtocol(() => new Protocol0()))));
        Assert.Contains("is a InterNetwork Stream socket, not a InterNetworkV6 stream socket", error.Message);
    }

    [Fact]
    public async Task Adopted_port_accepts_and_stopping_closes_only_the_copy()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var port = await On(() => Reactor.AdoptStreamPort((int)socket.Handle, AddressFamily.InterNetwork, new Factory(_ =>
        {
            accepted.TrySetResult();
            return new Protocol0();
        })));
        Assert.Equal(socket.LocalEndPoint, port.Host);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(port.Host).WaitAsync(Timeout);
        await Within(accepted.Task);
        await On(() => port.StopListening());
        Assert.True(socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is int and not 0);
    }

    private sealed class Protocol0 : Protocol;
}
