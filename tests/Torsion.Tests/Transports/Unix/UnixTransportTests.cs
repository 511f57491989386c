using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Tests.Reactor;
using Torsion.Transports;
using Torsion.Transports.Unix;

namespace Torsion.Tests.Transports.Unix;

/// <summary>Unix stream sockets, written once and run against every reactor.</summary>
public abstract class UnixTransportTests : ReactorHarness, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("torsion-unix-").FullName;

    protected string PathFor(string name) => Path.Combine(_directory, name);

    protected async Task<(T Server, Recorder Client)> Pair<T>(string path, Func<T> server, Recorder? client = null)
        where T : Recorder
    {
        var made = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() =>
        {
            var s = server();
            s.Made.Task.ContinueWith(_ => made.TrySetResult(s), TaskScheduler.Default);
            return s;
        })));
        client ??= new Recorder();
        var c = client;
        await On(() => Reactor.ConnectUnix(path, new ClientFactory(_ => c)));
        await Within(client.Made.Task);
        return (await Within(made.Task), client);
    }

    [Fact]
    public async Task Bytes_written_by_a_client_are_echoed_back()
    {
        var (_, client) = await Pair(PathFor("echo.sock"), () => new EchoProtocol());
        await On(() =>
        {
            client.Transport.Write("hello "u8);
            client.Transport.Write("unix"u8);
        });
        await Within(client.WaitForBytes(10));
        Assert.Equal("hello unix"u8.ToArray(), client.Received);
    }

    [Fact]
    public async Task A_megabyte_written_then_LoseConnection_arrives_whole_before_the_clean_close()
    {
        var (server, client) = await Pair(PathFor("bulk.sock"), () => new Recorder { KeepBytes = false });
        var data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        await On(() =>
        {
            client.Transport.Write(data);
            client.Transport.LoseConnection();
        });
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
        Assert.Equal(data.Length, server.Count);
    }

    [Fact]
    public async Task The_socket_file_gets_the_mode_asked_for()
    {
        var path = PathFor("mode.sock");
        await On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder()), mode: Convert.ToInt32("600", 8)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_stale_socket_file_is_removed_and_the_path_reused()
    {
        var path = PathFor("stale.sock");
        StaleSocketFile.Create(path, 1);

        Assert.True(File.Exists(path));
        var (_, client) = await Pair(path, () => new EchoProtocol());
        await On(() => client.Transport.Write("again"u8));
        await Within(client.WaitForBytes(5));
    }

    [Fact]
    public async Task Listening_on_a_live_socket_fails_with_address_in_use_naming_the_path()
    {
        var path = PathFor("live.sock");
        await On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder())));
        var error = await Assert.ThrowsAsync<CannotListenException>(() => On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder()))));
        Assert.Contains("already in use", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Listening_on_a_path_that_is_a_regular_file_leaves_the_file_alone()
    {
        var path = PathFor("regular");
        File.WriteAllText(path, "keep me");
        var error = await Assert.ThrowsAsync<CannotListenException>(() => On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder()))));
        Assert.Contains("is not a socket file", error.Message);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public async Task StopListening_removes_the_socket_file()
    {
        var path = PathFor("gone.sock");
        var port = await On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder())));
        Assert.True(File.Exists(path));
        await On(() => port.StopListening());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task WantPid_holds_a_lock_file_with_this_process_id_until_stopped()
    {
        var path = PathFor("locked.sock");
        var port = await On(() => Reactor.ListenUnix(path, Factory.ForProtocol(() => new Recorder()), wantPid: true));
        Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path + ".lock"));
        await On(() => port.StopListening());
        Assert.False(File.Exists(path + ".lock"));
    }

    [Fact]
    public async Task The_abstract_namespace_needs_no_file()
    {
        var name = "\0torsion-test-" + Guid.NewGuid().ToString("N");
        var (server, client) = await Pair(name, () => new EchoProtocol());
        await On(() => client.Transport.Write("abstract"u8));
        await Within(client.WaitForBytes(8));
        Assert.StartsWith("@torsion-test-", (await On(() => server.Transport.Host)).ToString());
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Connecting_to_a_path_nobody_listens_on_fails_with_ConnectionRefusedException()
    {
        var factory = new RecordingClientFactory(() => new Recorder());
        var path = PathFor("nobody.sock");
        await On(() => Reactor.ConnectUnix(path, factory));
        var reason = await Within(factory.Failed.Task);
        Assert.IsType<ConnectionRefusedException>(reason);
        Assert.Contains(path, reason.Message);
    }

    [Fact]
    public async Task Half_close_lets_the_server_answer_after_the_client_stopped_writing()
    {
        var client = new HalfCloseRecorder();
        var (server, _) = await Pair(PathFor("half.sock"), () => new HalfCloseRecorder(), client);
        server.OnReadLost = () =>
        {
            server.Transport.Write("bye"u8);
            server.Transport.LoseConnection();
        };
        await On(() => ((IHalfCloseable)client.Transport).LoseWriteConnection());
        await Within(server.ReadLost.Task);
        await Within(client.WaitForBytes(3));
        Assert.Equal("bye"u8.ToArray(), client.Received);
    }

    [Fact]
    public async Task AbortConnection_tells_the_peer_at_once()
    {
        var (server, client) = await Pair(PathFor("abort.sock"), () => new Recorder());
        await On(() =>
        {
            client.Transport.Write(new byte[100_000]);
            client.Transport.AbortConnection();
        });
        await Within(client.Lost.Task);
        Assert.IsAssignableFrom<Exception>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task Peer_credentials_are_this_process_on_both_ends()
    {
        var (server, client) = await Pair(PathFor("cred.sock"), () => new Recorder());
        var (serverView, clientView) = await On(() =>
            (((IUnixTransport)server.Transport).PeerCredentials, ((IUnixTransport)client.Transport).PeerCredentials));
        Assert.Equal(Environment.ProcessId, serverView.ProcessId);
        Assert.Equal(Environment.ProcessId, clientView.ProcessId);
        Assert.Equal(serverView, clientView);
    }

    [Fact]
    public async Task A_file_descriptor_sent_with_a_write_arrives_and_reads_the_same_file()
    {
        var file = PathFor("shared.txt");
        File.WriteAllText(file, "through the fd");
        var (server, client) = await Pair(PathFor("fd.sock"), () => new DescriptorRecorder());
        using (var handle = File.OpenHandle(file))
        {
            await On(() =>
            {
                ((IUnixTransport)client.Transport).SendFileDescriptor((int)handle.DangerousGetHandle());
                client.Transport.Write("x"u8);
            });
        }

        var fd = await Within(server.Descriptor.Task);
        await Within(server.WaitForBytes(1));
        Assert.NotEqual(-1, fd);
        using var received = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read);
        using var reader = new StreamReader(received);
        Assert.Equal("through the fd", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_pipe_end_sent_over_the_socket_carries_bytes_written_by_the_receiver()
    {
        using var pipeServer = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        using var writeEnd = pipeServer.ClientSafePipeHandle;
        var (server, client) = await Pair(PathFor("pipe.sock"), () => new DescriptorRecorder());
        await On(() =>
        {
            ((IUnixTransport)client.Transport).SendFileDescriptor((int)writeEnd.DangerousGetHandle());
            client.Transport.Write("p"u8);
        });
        pipeServer.DisposeLocalCopyOfClientHandle();
        var fd = await Within(server.Descriptor.Task);
        using (var writer = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write))
        {
            writer.Write("via pipe"u8);
        }

        var buffer = new byte[8];
        var read = await pipeServer.ReadAtLeastAsync(buffer, 8).AsTask().WaitAsync(Timeout);
        Assert.Equal("via pipe"u8.ToArray(), buffer[..read]);
    }

    [Fact]
    public async Task Descriptors_are_not_passed_to_a_protocol_that_does_not_want_them()
    {
        var (server, client) = await Pair(PathFor("nofd.sock"), () => new Recorder());
        using var handle = File.OpenHandle(PathFor("nofd.sock") + ".txt", FileMode.Create, FileAccess.Write);
        await On(() =>
        {
            ((IUnixTransport)client.Transport).SendFileDescriptor((int)handle.DangerousGetHandle());
            client.Transport.Write("data"u8);
        });
        await Within(server.WaitForBytes(4));
        Assert.Equal("data"u8.ToArray(), server.Received);
    }

    [Fact]
    public async Task A_file_region_between_writes_arrives_in_order_over_a_Unix_socket()
    {
        var content = new byte[3 << 20];
        Random.Shared.NextBytes(content);
        var file = PathFor("region.bin");
        File.WriteAllBytes(file, content);
        var (server, client) = await Pair(PathFor("region.sock"), () => new Recorder());
        using (var handle = File.OpenHandle(file))
        {
            await On(() =>
            {
                client.Transport.Write("<"u8);
                ((IFileRegionTransport)client.Transport).WriteFile(handle, 5, content.Length - 5);
                client.Transport.Write(">"u8);
                client.Transport.LoseConnection();
            });
        }

        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
        Assert.Equal([.. "<"u8, .. content.AsSpan(5), .. ">"u8], server.Received);
    }

    [Fact]
    public async Task A_descriptor_waiting_when_a_file_region_is_first_goes_with_the_region_bytes()
    {
        var content = new byte[200_000];
        Random.Shared.NextBytes(content);
        var file = PathFor("with-fd.bin");
        File.WriteAllBytes(file, content);
        File.WriteAllText(PathFor("passed.txt"), "passed along");
        var (server, client) = await Pair(PathFor("region-fd.sock"), () => new DescriptorRecorder());
        using (var region = File.OpenHandle(file))
        using (var passed = File.OpenHandle(PathFor("passed.txt")))
        {
            await On(() =>
            {
                ((IUnixTransport)client.Transport).SendFileDescriptor((int)passed.DangerousGetHandle());
                ((IFileRegionTransport)client.Transport).WriteFile(region, 0, content.Length);
                client.Transport.LoseConnection();
            });
        }

        var fd = await Within(server.Descriptor.Task);
        await Within(server.Lost.Task);
        Assert.Equal(content, server.Received);
        using var received = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read);
        using var reader = new StreamReader(received);
        Assert.Equal("passed along", await reader.ReadToEndAsync());
    }

    void IDisposable.Dispose()
    {
        Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Keeps the first descriptor it receives.</summary>
    private sealed class DescriptorRecorder : Recorder, IFileDescriptorReceiver
    {
        public TaskCompletionSource<int> Descriptor { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void FileDescriptorReceived(int fd)
        {
            if (!Descriptor.TrySetResult(fd))
            {
                new SafeFileHandle(fd, ownsHandle: true).Dispose();
            }
        }
    }
}

public sealed class EpollUnixTransportTests : UnixTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

public sealed class SelectUnixTransportTests : UnixTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

public sealed class GLibUnixTransportTests : UnixTransportTests
{
    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
