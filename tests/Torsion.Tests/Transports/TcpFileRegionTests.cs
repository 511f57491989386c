using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Torsion.Diagnostics;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Testing;
using Torsion.Tests.Reactor;
using Torsion.Transports;

namespace Torsion.Tests.Transports;

/// <summary>
/// <see cref="IFileRegionTransport"/> over real loopback TCP: order with writes, ranges, flow control, a peer reset and a
/// truncated file mid-region, close after a region; on every reactor, with sendfile(2) and with the pread+send copy.
/// </summary>
public abstract class TcpFileRegionTests : ReactorHarness
{
    private readonly List<string> _files = [];

    /// <summary>Whether the reactor sends regions with sendfile(2) (else it copies them through a buffer).</summary>
    protected abstract bool UsesSendFile { get; }

    [Fact]
    public async Task Writes_before_and_after_file_regions_arrive_in_order_and_the_close_comes_last()
    {
        var content = MakeFile(3 << 20, out var path);
        using var file = System.IO.File.OpenHandle(path);
        using var counter = new PortCounterRecorder("torsion.bytes.sent_by_sendfile");
        var (client, server, tag) = await Serve(t =>
        {
            t.Write("HEAD"u8);
            ((IFileRegionTransport)t).WriteFile(file, 0, content.Length);
            t.Write("MIDDLE"u8);
            ((IFileRegionTransport)t).WriteFile(file, 10, 20);
            ((IFileRegionTransport)t).WriteFile(file, 0, 0);
            t.Write("TAIL"u8);
            t.LoseConnection();
        });

        var reason = await Within(client.Lost.Task);

        Assert.IsType<ConnectionDoneException>(reason);
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
        byte[] expected = [.. "HEAD"u8, .. content, .. "MIDDLE"u8, .. content.AsSpan(10, 20), .. "TAIL"u8];
        Assert.Equal(expected, client.Received);
        AssertPath(counter.Sum(tag), content.Length + 20);
    }

    [Fact]
    public async Task A_range_in_the_middle_of_a_file_sends_exactly_those_bytes()
    {
        var content = MakeFile(1 << 20, out var path);
        using var file = System.IO.File.OpenHandle(path);
        using var counter = new PortCounterRecorder("torsion.bytes.sent_by_sendfile");
        var (client, _, tag) = await Serve(t =>
        {
            ((IFileRegionTransport)t).WriteFile(file, 123_457, 500_001);
            t.LoseConnection();
        });

        await Within(client.Lost.Task);

        Assert.Equal(content.AsSpan(123_457, 500_001).ToArray(), client.Received);
        AssertPath(counter.Sum(tag), 500_001);
    }

    [Fact]
    public async Task The_caller_may_dispose_its_handle_at_once_the_transport_keeps_the_file_open_until_sent()
    {
        var content = MakeFile(2 << 20, out var path);
        var (client, _, _) = await Serve(t =>
        {
            using (var file = System.IO.File.OpenHandle(path))
            {
                ((IFileRegionTransport)t).WriteFile(file, 0, content.Length);
            }

            t.LoseConnection();
        });

        await Within(client.Lost.Task);

        Assert.Equal(content, client.Received);
    }

    [Fact]
    public async Task A_64_MiB_file_to_a_slow_reader_pauses_the_producer_and_memory_stays_bounded()
    {
        const int size = 64 << 20;
        var hash = WriteLargeFile(size, out var path);
        using var file = System.IO.File.OpenHandle(path);
        var producer = new CountingProducer();
        var client = new HashingRecorder();
        long allocatedBefore = 0;
        var (_, server, _) = await Serve(
            t =>
            {
                // Both ends live on this reactor thread: what it allocates bounds what the transfer holds in memory
                // (other tests' threads do not blur it, as they would the process's working set).
                allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                t.RegisterProducer(producer, streaming: true);
                ((IFileRegionTransport)t).WriteFile(file, 0, size);
                producer.PausedAfterQueueing = producer.Paused;
                t.Write("END"u8);
                t.LoseConnection();
            },
            client,
            pauseClient: true);
        await Task.Delay(200);

        await On(() => client.Transport.ResumeProducing());

        Assert.IsType<ConnectionDoneException>(await Within(client.Lost.Task));
        var allocated = await On(() => GC.GetAllocatedBytesForCurrentThread()) - allocatedBefore;
        Assert.Equal(size + 3, client.Count);
        Assert.Equal(Convert.ToHexString(hash), client.HashWithout("END"u8));
        Assert.True(producer.PausedAfterQueueing, "queueing 64 MiB did not pause the registered producer");
        Assert.True(producer.Resumes > 0 || producer.Stopped, "the producer was neither resumed nor stopped");
        Assert.True(allocated < 4L << 20, $"the reactor thread allocated {allocated >> 10} KiB while sending and receiving a 64 MiB file");
        Assert.IsType<ConnectionDoneException>(await Within(server.Lost.Task));
    }

    [Fact]
    public async Task A_peer_that_resets_mid_file_ends_the_connection_with_ConnectionLostException_and_no_hang()
    {
        const int size = 64 << 20;
        WriteLargeFile(size, out var path);
        using var file = System.IO.File.OpenHandle(path);
        // The client aborts on the reactor thread once 1 MiB arrived: from the test thread, a fast reactor could have
        // sent the whole file before the abort ran.
        var client = new Recorder { KeepBytes = false, AbortAfterBytes = 1 << 20 };
        var (_, server, _) = await Serve(
            t =>
            {
                ((IFileRegionTransport)t).WriteFile(file, 0, size);
                t.LoseConnection();
            },
            client);

        await Within(client.Lost.Task);

        var reason = await Within(server.Lost.Task);
        Assert.IsType<ConnectionLostException>(reason);
        Assert.Contains("127.0.0.1", reason.Message, StringComparison.Ordinal);
        Assert.True(client.Count < size);
    }

    [Fact]
    public async Task A_file_truncated_while_it_is_sent_closes_the_connection_with_an_error_that_says_so()
    {
        const int size = 32 << 20;
        WriteLargeFile(size, out var path);
        using var file = System.IO.File.OpenHandle(path);
        var client = new Recorder { KeepBytes = false };
        var (_, server, _) = await Serve(
            t =>
            {
                ((IFileRegionTransport)t).WriteFile(file, 0, size);
                t.Write("NEVER"u8);
                t.LoseConnection();
            },
            client,
            pauseClient: true);

        using (var shrink = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            shrink.SetLength(1 << 20);
        }

        await On(() => client.Transport.ResumeProducing());

        var reason = await Within(server.Lost.Task);
        Assert.IsType<ConnectionLostException>(reason);
        Assert.Contains("file region ended early", reason.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", reason.Message, StringComparison.Ordinal);
        await Within(client.Lost.Task);
        Assert.True(client.Count < size, $"the client got {client.Count} bytes of a file cut to 1 MiB");
    }

    [Fact]
    public async Task A_region_queued_after_LoseConnection_is_ignored_as_a_write_is()
    {
        var content = MakeFile(100_000, out var path);
        using var file = System.IO.File.OpenHandle(path);
        var (client, _, _) = await Serve(t =>
        {
            ((IFileRegionTransport)t).WriteFile(file, 0, content.Length);
            t.LoseConnection();
            ((IFileRegionTransport)t).WriteFile(file, 0, content.Length);
        });

        await Within(client.Lost.Task);

        Assert.Equal(content, client.Received);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_the_reason()
    {
        MakeFile(10, out var path);
        var closed = System.IO.File.OpenHandle(path);
        closed.Dispose();
        using var file = System.IO.File.OpenHandle(path);
        var errors = new ConcurrentQueue<Exception>();
        var (client, _, _) = await Serve(t =>
        {
            var regions = (IFileRegionTransport)t;
            foreach (var bad in new Action[] { () => regions.WriteFile(null!, 0, 1), () => regions.WriteFile(file, -1, 1), () => regions.WriteFile(file, 0, -1), () => regions.WriteFile(closed, 0, 1) })
            {
                try
                {
                    bad();
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            }

            t.LoseConnection();
        });

        await Within(client.Lost.Task);

        Assert.Collection(
            errors,
            e => Assert.IsType<ArgumentNullException>(e),
            e => Assert.Equal("offset", Assert.IsType<ArgumentOutOfRangeException>(e).ParamName),
            e => Assert.Equal("count", Assert.IsType<ArgumentOutOfRangeException>(e).ParamName),
            e => Assert.Contains("closed or invalid", Assert.IsType<ArgumentException>(e).Message, StringComparison.Ordinal));
        Assert.Empty(client.Received);
    }

    [Fact]
    public async Task WriteFile_from_another_thread_is_refused()
    {
        MakeFile(10, out var path);
        using var file = System.IO.File.OpenHandle(path);
        var (_, server, _) = await Serve(_ => { });

        var error = Assert.Throws<InvalidOperationException>(() => ((IFileRegionTransport)server.Transport).WriteFile(file, 0, 10));

        Assert.Contains("CallFromThread", error.Message, StringComparison.Ordinal);
    }

    private async Task<(Recorder Client, Recorder Server, string Tag)> Serve(Action<ITransport> onMade, Recorder? client = null, bool pauseClient = false)
    {
        var server = new MadeRecorder(onMade);
        var port = await On(() => Reactor.ListenTcp(0, Factory.ForProtocol(() => server), interfaceAddress: "127.0.0.1"));
        client ??= new Recorder();
        IProtocol connected = client;
        if (pauseClient)
        {
            // Paused before the first read, so that the server's region meets a full socket.
            connected = new PausedOnMade(client);
        }

        await On(() => Reactor.ConnectTcp("127.0.0.1", ((IPEndPoint)port.Host).Port, new ClientFactory(_ => connected)));
        await Within(client.Made.Task);
        await Within(server.Made.Task);
        return (client, server, $"tcp:{port.Host}");
    }

    private void AssertPath(long sentByKernel, long fileBytes) => Assert.Equal(UsesSendFile ? fileBytes : 0, sentByKernel);

    private byte[] MakeFile(int size, out string path)
    {
        var content = RandomNumberGenerator.GetBytes(size);
        path = Path.Combine(Path.GetTempPath(), $"torsion-region-{Guid.NewGuid():n}.bin");
        System.IO.File.WriteAllBytes(path, content);
        _files.Add(path);
        return content;
    }

    private byte[] WriteLargeFile(int size, out string path)
    {
        path = Path.Combine(Path.GetTempPath(), $"torsion-region-{Guid.NewGuid():n}.bin");
        _files.Add(path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var output = System.IO.File.Create(path);
        var chunk = new byte[1 << 20];
        for (var i = 0; i < size / chunk.Length; i++)
        {
            RandomNumberGenerator.Fill(chunk);
            sha.AppendData(chunk);
            output.Write(chunk);
        }

        return sha.GetHashAndReset();
    }

    protected override void OnDisposed()
    {
        foreach (var path in _files)
        {
            System.IO.File.Delete(path);
        }
    }

    /// <summary>A server protocol that runs a test's writes when connected.</summary>
    private sealed class MadeRecorder(Action<ITransport> onMade) : Recorder
    {
        public override void ConnectionMade()
        {
            onMade(Transport);
            base.ConnectionMade();
        }
    }

    /// <summary>Forwards to a recorder, pausing reading before the first byte.</summary>
    private sealed class PausedOnMade(Recorder inner) : IProtocol
    {
        public void MakeConnection(ITransport transport)
        {
            transport.PauseProducing();
            inner.MakeConnection(transport);
        }

        public void DataReceived(ReadOnlySpan<byte> data) => inner.DataReceived(data);

        public void ConnectionLost(Exception reason) => inner.ConnectionLost(reason);
    }

    /// <summary>Hashes what it receives (all but the last 16 bytes, kept to check a known tail) without allocating.</summary>
    private sealed class HashingRecorder : Recorder
    {
        private const int TailSize = 16;
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _tail = new byte[TailSize * 2];
        private int _tailLength;

        public HashingRecorder() => KeepBytes = false;

        protected override void OnData(ReadOnlySpan<byte> data)
        {
            if (data.Length >= TailSize)
            {
                _sha.AppendData(_tail.AsSpan(0, _tailLength));
                _sha.AppendData(data[..^TailSize]);
                data[^TailSize..].CopyTo(_tail);
                _tailLength = TailSize;
                return;
            }

            data.CopyTo(_tail.AsSpan(_tailLength));
            _tailLength += data.Length;
            if (_tailLength > TailSize)
            {
                var extra = _tailLength - TailSize;
                _sha.AppendData(_tail.AsSpan(0, extra));
                _tail.AsSpan(extra, TailSize).CopyTo(_tail);
                _tailLength = TailSize;
            }
        }

        public string HashWithout(ReadOnlySpan<byte> tail)
        {
            var kept = _tail.AsSpan(0, _tailLength);
            Assert.True(tail.SequenceEqual(kept[^tail.Length..]), "the bytes after the region are not last");
            _sha.AppendData(kept[..^tail.Length]);
            return Convert.ToHexString(_sha.GetHashAndReset());
        }
    }

    /// <summary>A push producer that only counts what the transport tells it.</summary>
    private sealed class CountingProducer : IPushProducer
    {
        public bool Paused { get; private set; }

        public bool PausedAfterQueueing { get; set; }

        public int Resumes { get; private set; }

        public bool Stopped { get; private set; }

        public void PauseProducing() => Paused = true;

        public void ResumeProducing()
        {
            Paused = false;
            Resumes++;
        }

        public void StopProducing() => Stopped = true;
    }
}

[Collection(nameof(SerialTests))]
public sealed class EpollTcpFileRegionTests : TcpFileRegionTests
{
    protected override bool UsesSendFile => true;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new EpollReactor(options);
}

[Collection(nameof(SerialTests))]
public sealed class EpollCopyTcpFileRegionTests : TcpFileRegionTests
{
    protected override bool UsesSendFile => false;

    protected override ReactorBase CreateReactor(ReactorOptions options) =>
        new EpollReactor(new ReactorOptions { LoggerFactory = options.LoggerFactory, ShutdownTimeout = options.ShutdownTimeout, SendFile = false });
}

[Collection(nameof(SerialTests))]
public sealed class SelectTcpFileRegionTests : TcpFileRegionTests
{
    protected override bool UsesSendFile => true;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new SelectReactor(options);
}

[Collection(nameof(SerialTests))]
public sealed class SelectCopyTcpFileRegionTests : TcpFileRegionTests
{
    protected override bool UsesSendFile => false;

    protected override ReactorBase CreateReactor(ReactorOptions options) =>
        new SelectReactor(new ReactorOptions { LoggerFactory = options.LoggerFactory, ShutdownTimeout = options.ShutdownTimeout, SendFile = false });
}

[Collection(nameof(SerialTests))]
public sealed class GLibTcpFileRegionTests : TcpFileRegionTests
{
    protected override bool UsesSendFile => true;

    protected override ReactorBase CreateReactor(ReactorOptions options) => new GLibReactor(options);
}
