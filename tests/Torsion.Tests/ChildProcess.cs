using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Tests;

/// <summary>
/// The test assembly's entry point: scenarios a test runs in a child process, where a low descriptor limit or an
/// environment variable cannot disturb the other tests (<c>dotnet exec Torsion.Tests.dll SCENARIO ...</c>).
/// </summary>
public static partial class ChildProcess
{
    public static int Main(string[] args) => args switch
    {
        ["reactor-kind"] => PrintReactorKind(),
        ["emfile-server", var spare] => EmfileServer(int.Parse(spare)),
        ["idle-clients", ..] => Torsion.Bench.IdleConnections.IdleLoad.RunClients(args),
        _ => Usage(),
    };

    /// <summary>The command line that runs this test assembly's Main.</summary>
    public static IReadOnlyList<string> Command =>
        [Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", "exec", typeof(ChildProcess).Assembly.Location];

    /// <summary>Starts this test assembly as a child process running <paramref name="args"/>.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Torsion.Tests reactor-kind | emfile-server SPARE_FDS");
        return 2;
    }

    private static int PrintReactorKind()
    {
        try
        {
            using var reactor = ReactorFactory.Create();
            Console.WriteLine(reactor.GetType().Name);
            return 0;
        }
        catch (ArgumentException e)
        {
            Console.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>
    /// An echo server whose descriptor limit leaves <paramref name="spare"/> descriptors free once it listens, so that
    /// accepting soon fails with EMFILE. Prints <c>port N</c>, <c>tid N</c> (the reactor thread) and its log lines.
    /// </summary>
    private static int EmfileServer(int spare)
    {
        using var reactor = new EpollReactor(new ReactorOptions { LoggerFactory = new ConsoleLines() });
        var ready = new ManualResetEventSlim();
        var lost = new ManualResetEventSlim();
        var port = 0;
        var tid = 0;
        var thread = new Thread(reactor.Run) { Name = "emfile reactor" };
        reactor.CallWhenRunning(() =>
        {
            tid = gettid();
            port = ((IPEndPoint)reactor.ListenTcp(0, Factory.ForProtocol(() => new EchoServer(lost)), backlog: 200, interfaceAddress: "127.0.0.1").Host).Port;
            ready.Set();
        });
        thread.Start();
        ready.Wait();

        // One echo first, so that every assembly the accept/read/write/close path needs is loaded while descriptors are
        // plentiful: the runtime opens each assembly file it loads, and would otherwise fail to load one at the limit.
        using (var warm = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            warm.Connect(IPAddress.Loopback, port);
            warm.Send("warm"u8);
            var buffer = new byte[4];
            for (var got = 0; got < 4;)
            {
                got += warm.Receive(buffer, got, 4 - got, System.Net.Sockets.SocketFlags.None);
            }
        }

        lost.Wait();

        var open = Directory.GetFiles("/proc/self/fd").Length;
        var limit = default(RLimit);
        GetLimit(ref limit);
        limit.Current = (ulong)(open + spare);
        if (setrlimit(7 /* RLIMIT_NOFILE */, ref limit) != 0)
        {
            Console.WriteLine($"setrlimit failed: {Marshal.GetLastPInvokeError()}");
            return 1;
        }

        Console.WriteLine($"port {port}");
        Console.WriteLine($"tid {tid}");
        thread.Join();
        return 0;
    }

    private static void GetLimit(ref RLimit limit)
    {
        if (getrlimit(7, ref limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, ref RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, ref RLimit limit);

    [LibraryImport("libc")]
    private static partial int gettid();

    private sealed class EchoServer(ManualResetEventSlim lost) : Protocol
    {
        public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);

        public override void ConnectionLost(Exception reason) => lost.Set();
    }

    /// <summary>Writes each log entry as one line on stdout, for the parent test to read.</summary>
    private sealed class ConsoleLines : ILoggerFactory, ILogger
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.WriteLine($"log {logLevel} {formatter(state, exception)}");

        public void Dispose()
        {
        }
    }
}
