// A line service on a window-less GLib main loop: every line a client sends is logged into SQLite through the
// ConnectionPool, and "run PROGRAM ARGS..." runs a child process and sends back its output.
//   dotnet run --project examples/LineLog -- 8007 lines.db     then: nc 127.0.0.1 8007
//   dotnet run --project examples/LineLog -- --self-test        starts, talks to itself, checks the answers, exits 0
// Commands: "run PROGRAM ARGS..." (child process, output sent back), "history" (last 5 lines), anything else is logged.
//
// Child processes run through reactor.SpawnProcess: their pipes are watched by the GLib main loop, no thread waits.
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Torsion.Data;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;
using Torsion.Transports.Process;

var selfTest = args is ["--self-test"];
var port = !selfTest && args.Length > 0 ? int.Parse(args[0]) : 0;
var directory = selfTest ? Directory.CreateTempSubdirectory("linelog-").FullName : null;
var database = !selfTest && args.Length > 1 ? args[1] : Path.Combine(directory ?? ".", "lines.db");

using var reactor = new GLibReactor();
var pool = new ConnectionPool(SqliteFactory.Instance, $"Data Source={database};Pooling=false", reactor, min: 1, max: 3);
var exitCode = 0;

// Stop cleanly on SIGINT/SIGTERM; the pool closes (waiting for running work) before the reactor stops.
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => reactor.Stop());
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
{
    signal.Cancel = true;
    reactor.Stop();
});
reactor.AddSystemEventTrigger(SystemEventPhase.Before, SystemEventType.Shutdown, () => pool.Close());
reactor.CallWhenRunning(() => _ = StartAsync());
reactor.Run();
if (directory is not null)
{
    Directory.Delete(directory, recursive: true);
}

return exitCode;

async Deferred<Unit> StartAsync()
{
    try
    {
        await pool.RunOperation("CREATE TABLE IF NOT EXISTS lines (id INTEGER PRIMARY KEY, peer TEXT, text TEXT, at TEXT)");
        var listening = reactor.ListenTcp(port, Factory.ForProtocol(() => new CommandLine(reactor, pool)), interfaceAddress: "127.0.0.1");
        Console.WriteLine($"LineLog on {listening.Host} (GLib main loop), logging into {database}");
        if (selfTest)
        {
            exitCode = await SelfTest(((IPEndPoint)listening.Host).Port);
            reactor.Stop();
        }
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"LineLog: {e.Message}");
        exitCode = 1;
        reactor.Stop();
    }

    return Unit.Value;
}

// Plays a client with plain .NET sockets on the thread pool; awaiting the Task here comes back to the GLib thread.
async Deferred<int> SelfTest(int listeningPort)
{
    var answers = await Task.Run(async () =>
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, listeningPort);
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = new List<string>();
        foreach (var line in (string[])["hello", "run echo from a child", "history"])
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
            lines.Add(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)) ?? "");
        }

        return lines;
    });
    foreach (var answer in answers)
    {
        Console.WriteLine($"  < {answer}");
    }

    var ok = answers is [var a, var b, var c] && a.StartsWith("logged #", StringComparison.Ordinal)
        && b == "from a child" && c.Contains("hello", StringComparison.Ordinal);
    Console.WriteLine(ok ? "self-test passed" : "self-test FAILED");
    return ok ? 0 : 1;
}

/// <summary>One client: each line is logged, then answered.</summary>
sealed class CommandLine(IReactor reactor, ConnectionPool pool) : LineOnlyReceiver
{
    public override void LineReceived(ReadOnlySpan<byte> line) => _ = Handle(Encoding.UTF8.GetString(line));

    // Runs on the reactor (GLib) thread; each await of a Deferred resumes there too.
    private async Deferred<Unit> Handle(string text)
    {
        try
        {
            var id = await pool.RunInteraction(db =>
            {
                db.Execute("INSERT INTO lines (peer, text, at) VALUES (@p0, @p1, @p2)", Transport.Peer.ToString(), text, DateTime.UtcNow.ToString("O"));
                return (long)db.Scalar("SELECT last_insert_rowid()")!;
            });
            if (text.StartsWith("run ", StringComparison.Ordinal))
            {
                var output = await RunChild(text[4..]);
                Reply(output.TrimEnd('\n'));
            }
            else if (text == "history")
            {
                var rows = await pool.RunQuery("SELECT text FROM lines ORDER BY id DESC LIMIT 5");
                Reply(string.Join(" | ", rows.Select(r => (string?)r[0])));
            }
            else
            {
                Reply($"logged #{id}");
            }
        }
        catch (Exception e)
        {
            Reply($"error: {e.Message}");
        }

        return Unit.Value;
    }

    private void Reply(string text) => SendLine(Encoding.UTF8.GetBytes(text));

    private Deferred<string> RunChild(string commandLine)
    {
        var argv = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var child = new ChildOutput();
        reactor.SpawnProcess(child, argv[0], argv);
        return child.Done;
    }
}

/// <summary>A child run for a client: its stdout is collected and <see cref="Done"/> fires with it once the child has ended.</summary>
sealed class ChildOutput : ProcessProtocol
{
    // Bytes, decoded once at the end: a UTF-8 character may be split across two reads.
    private readonly MemoryStream _output = new();

    public Deferred<string> Done { get; } = new();

    // The child gets no input: end of file at once, so a program that reads stdin does not wait forever.
    public override void ConnectionMade() => Transport.CloseStdin();

    public override void OutReceived(ReadOnlySpan<byte> data) => _output.Write(data);

    public override void ErrReceived(ReadOnlySpan<byte> data) => Console.Error.Write(Encoding.UTF8.GetString(data));

    public override void ProcessEnded(ProcessExitReason reason)
    {
        var output = Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length);
        Done.Callback(reason.Success ? output : reason.ExitCode is { } code ? $"{output}(exit {code})" : $"{output}({reason})");
    }
}
