using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Bench.IdleConnections;

/// <summary>What one idle-connections run measured.</summary>
public sealed record IdleLoadResult(
    int Connections,
    int SourceAddresses,
    TimeSpan ConnectTime,
    long ManagedBytes,
    long AllocatedBytes,
    TimeSpan EchoRoundTrip)
{
    /// <summary>Live managed memory per idle connection (GC.GetTotalMemory(true) delta / count).</summary>
    public double ManagedBytesPerConnection => (double)ManagedBytes / Connections;

    /// <summary>Bytes allocated (GC.GetTotalAllocatedBytes) per connection while connecting, garbage included.</summary>
    public double AllocatedBytesPerConnection => (double)AllocatedBytes / Connections;

    public override string ToString() =>
        $"{Connections} idle connections from {SourceAddresses} source addresses in {ConnectTime.TotalSeconds:0.0} s; " +
        $"managed memory {ManagedBytesPerConnection:0} B/connection (live), allocated {AllocatedBytesPerConnection:0} B/connection; " +
        $"echo round trip on a fresh connection afterwards {EchoRoundTrip.TotalMilliseconds:0.00} ms";
}

/// <summary>
/// Opens many idle TCP connections to one Torsion echo server (an <see cref="EpollReactor"/> on its own thread) from
/// raw client descriptors (no managed objects on the client side, so the managed memory measured is the server's),
/// bound round-robin to 127.0.0.2..127.0.0.(1+N) so that no source address runs out of ephemeral ports. Raises
/// RLIMIT_NOFILE for the run and restores it afterwards. Linux only.
/// </summary>
public static partial class IdleLoad
{
    private const int RLIMIT_NOFILE = 7;
    private const int AF_INET = 2;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int Margin = 4096;

    /// <summary>
    /// How many of <paramref name="count"/> connections this process can hold (server and client descriptors, plus a
    /// margin): all of them when RLIMIT_NOFILE is or can be raised high enough, else what the hard limit allows.
    /// </summary>
    public static int FitToLimit(int count)
    {
        var limit = GetLimit();
        var needed = (ulong)count * 2 + Margin;
        if (limit.Max >= needed)
        {
            return count;
        }

        var raised = new RLimit { Current = limit.Current, Max = needed };
        if (setrlimit(RLIMIT_NOFILE, ref raised) == 0)
        {
            return count;
        }

        return (int)Math.Max(0, ((long)limit.Max - Margin) / 2);
    }

    /// <summary>Opens <paramref name="count"/> idle connections, measures, echoes once on a fresh one, closes everything.</summary>
    public static IdleLoadResult Run(int count, int sourceAddresses, TimeSpan timeout, Action<string> log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceAddresses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceAddresses, 250);
        var original = GetLimit();
        var needed = (ulong)count * 2 + Margin;
        if (original.Current < needed)
        {
            var raised = new RLimit { Current = needed, Max = Math.Max(needed, original.Max) };
            if (setrlimit(RLIMIT_NOFILE, ref raised) != 0)
            {
                throw new InvalidOperationException(
                    $"Cannot raise RLIMIT_NOFILE to {needed} for {count} connections (now {original.Current}/{original.Max}, errno {Marshal.GetLastPInvokeError()}): run as root or raise the hard limit.");
            }
        }

        var clients = new int[count];
        Array.Fill(clients, -1);
        var reactor = new EpollReactor();
        var loop = new Thread(reactor.Run) { Name = "idle server reactor", IsBackground = true };
        try
        {
            var made = 0;
            using var allMade = new ManualResetEventSlim();
            var factory = Factory.ForProtocol(() =>
            {
                if (Interlocked.Increment(ref made) == count)
                {
                    allMade.Set();
                }

                return new IdleEcho();
            });
            var port = 0;
            using var listening = new ManualResetEventSlim();
            reactor.CallWhenRunning(() =>
            {
                port = ((IPEndPoint)reactor.ListenTcp(0, factory, backlog: 4096, interfaceAddress: "127.0.0.1").Host).Port;
                listening.Set();
            });
            loop.Start();
            if (!listening.Wait(timeout))
            {
                throw new TimeoutException("The server reactor did not start listening.");
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                clients[i] = Connect(i % sourceAddresses, port);
                if ((i + 1) % 20_000 == 0)
                {
                    log($"{i + 1} connected ({clock.Elapsed.TotalSeconds:0.0} s)");
                }
            }

            if (!allMade.Wait(timeout))
            {
                throw new TimeoutException($"Only {Volatile.Read(ref made)} of {count} connections reached the server within {timeout.TotalSeconds} s.");
            }

            reactor.BlockingCallFromThread(() => true); // the reactor has finished the batch that made the last one
            var connectTime = clock.Elapsed;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var managed = GC.GetTotalMemory(forceFullCollection: true) - managedBefore;
            var echo = EchoRoundTrip(port, timeout);
            return new IdleLoadResult(count, sourceAddresses, connectTime, managed, allocated, echo);
        }
        finally
        {
            foreach (var fd in clients)
            {
                if (fd >= 0)
                {
                    close(fd);
                }
            }

            if (loop.IsAlive)
            {
                reactor.Stop();
                loop.Join(timeout);
            }

            reactor.Dispose();
            var restore = original;
            setrlimit(RLIMIT_NOFILE, ref restore);
        }
    }

    /// <summary>A blocking connect from 127.0.0.(2+source) to 127.0.0.1:port on a raw descriptor.</summary>
    private static int Connect(int source, int port)
    {
        var fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"socket() failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        var from = SockAddrIn.Loopback(2 + source, 0);
        var to = SockAddrIn.Loopback(1, port);
        if (bind(fd, ref from, 16) != 0 || connect(fd, ref to, 16) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            close(fd);
            throw new InvalidOperationException($"connecting from 127.0.0.{2 + source} to 127.0.0.1:{port} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return fd;
    }

    private static TimeSpan EchoRoundTrip(int port, TimeSpan timeout)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)timeout.TotalMilliseconds,
        };
        client.Connect(IPAddress.Loopback, port);
        var message = new byte[64];
        Random.Shared.NextBytes(message);
        var back = new byte[64];
        var clock = Stopwatch.StartNew();
        client.Send(message);
        for (var got = 0; got < back.Length;)
        {
            var n = client.Receive(back, got, back.Length - got, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException("The server closed the fresh connection instead of echoing.");
            }

            got += n;
        }

        var elapsed = clock.Elapsed;
        if (!message.AsSpan().SequenceEqual(back))
        {
            throw new InvalidOperationException("The server echoed different bytes.");
        }

        return elapsed;
    }

    private static RLimit GetLimit()
    {
        var limit = default(RLimit);
        if (getrlimit(RLIMIT_NOFILE, ref limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return limit;
    }

    private sealed class IdleEcho : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrIn
    {
        public ushort Family;
        public ushort Port; // network order
        public uint Address; // network order
        public ulong Zero;

        public static SockAddrIn Loopback(int lastByte, int port) => new()
        {
            Family = AF_INET,
            Port = (ushort)IPAddress.HostToNetworkOrder((short)port),
            Address = (uint)IPAddress.HostToNetworkOrder((127 << 24) | lastByte),
        };
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, ref RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, ref RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, ref SockAddrIn address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, ref SockAddrIn address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
