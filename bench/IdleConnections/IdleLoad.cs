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
    private const int Margin = 1024;

    /// <summary>
    /// How many of <paramref name="count"/> connections fit under RLIMIT_NOFILE (raised if it can be): the server's
    /// descriptors, plus the clients' when they live in this process too (<paramref name="clientsInChild"/> false).
    /// </summary>
    public static int FitToLimit(int count, bool clientsInChild)
    {
        var perConnection = clientsInChild ? 1 : 2;
        var limit = GetLimit();
        var needed = (ulong)count * (ulong)perConnection + Margin;
        if (limit.Max >= needed)
        {
            return count;
        }

        var raised = new RLimit { Current = limit.Current, Max = needed };
        if (setrlimit(RLIMIT_NOFILE, ref raised) == 0)
        {
            return count;
        }

        return (int)Math.Max(0, ((long)limit.Max - Margin) / perConnection);
    }

    /// <summary>
    /// Opens <paramref name="count"/> idle connections, measures, echoes once on a fresh one, closes everything. With
    /// <paramref name="clientCommand"/> the clients live in a child process started as
    /// <c>clientCommand... idle-clients PORT COUNT SOURCES</c> (which must call <see cref="RunClients"/>), so that this
    /// process holds only the server's descriptors.
    /// </summary>
    public static IdleLoadResult Run(int count, int sourceAddresses, TimeSpan timeout, Action<string> log, IReadOnlyList<string>? clientCommand = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceAddresses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceAddresses, 250);
        var original = GetLimit();
        RaiseLimit((ulong)count * (clientCommand is null ? 2UL : 1UL) + Margin);
        var clients = new int[clientCommand is null ? count : 0];
        Array.Fill(clients, -1);
        Process? child = null;
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
            if (clientCommand is null)
            {
                ConnectClients(clients, sourceAddresses, port, log);
            }
            else
            {
                child = StartClients(clientCommand, port, count, sourceAddresses);
            }

            if (!allMade.Wait(timeout))
            {
                var why = child is { HasExited: true } ? $" (the client process exited: {child.StandardError.ReadToEnd().Trim()})" : string.Empty;
                throw new TimeoutException($"Only {Volatile.Read(ref made)} of {count} connections reached the server within {timeout.TotalSeconds} s{why}.");
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

            if (child is not null)
            {
                child.StandardInput.Close(); // the client process exits when its stdin closes
                if (!child.WaitForExit(timeout))
                {
                    child.Kill();
                }

                child.Dispose();
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

    /// <summary>The client side in a child process: <c>idle-clients PORT COUNT SOURCES</c>; connects, then holds the connections until stdin closes.</summary>
    public static int RunClients(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is not ["idle-clients", var portText, var countText, var sourcesText])
        {
            Console.Error.WriteLine("usage: idle-clients PORT COUNT SOURCES");
            return 2;
        }

        var count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture);
        RaiseLimit((ulong)count + Margin);
        var clients = new int[count];
        Array.Fill(clients, -1);
        ConnectClients(clients, int.Parse(sourcesText, System.Globalization.CultureInfo.InvariantCulture), int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture), _ => { });
        Console.In.ReadToEnd();
        return 0;
    }

    private static Process StartClients(IReadOnlyList<string> command, int port, int count, int sources)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1).Concat(["idle-clients", port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture), sources.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start the client process {command[0]}.");
    }

    private static void ConnectClients(int[] clients, int sources, int port, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < clients.Length; i++)
        {
            clients[i] = Connect(i % sources, port);
            if ((i + 1) % 20_000 == 0)
            {
                log($"{i + 1} connected ({clock.Elapsed.TotalSeconds:0.0} s)");
            }
        }
    }

    private static void RaiseLimit(ulong needed)
    {
        var limit = GetLimit();
        if (limit.Current >= needed)
        {
            return;
        }

        var raised = new RLimit { Current = needed, Max = Math.Max(needed, limit.Max) };
        if (setrlimit(RLIMIT_NOFILE, ref raised) != 0)
        {
            throw new InvalidOperationException(
                $"Cannot raise RLIMIT_NOFILE to {needed} (now {limit.Current}/{limit.Max}, errno {Marshal.GetLastPInvokeError()}): run as root or raise the hard limit.");
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
