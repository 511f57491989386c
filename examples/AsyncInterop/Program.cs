// Torsion and plain async .NET code, both ways:
//   1. Task code awaits a Deferred (and Deferred code awaits a Task): the reactor thread comes back after each await.
//   2. Protocol code calls a Task-returning .NET API (HttpClient, against a local Torsion HTTP-ish server on
//      127.0.0.1) and carries on on the reactor thread.
//   3. A worker thread calls into the reactor with BlockingCallFromThread.
//   dotnet run --project examples/AsyncInterop
using System.Net;
using System.Text;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

using var reactor = ReactorFactory.Create();
var failures = 0;
reactor.CallWhenRunning(() => _ = Main());
reactor.Run();
Console.WriteLine(failures == 0 ? "all interop checks passed" : $"{failures} interop checks FAILED");
return failures == 0 ? 0 : 1;

void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    failures += ok ? 0 : 1;
}

// An async Deferred method: the inlineCallbacks of C#. It starts and resumes on the reactor thread.
async Deferred<Unit> Main()
{
    try
    {
        // A tiny HTTP/1.0 responder written as a Torsion protocol, on 127.0.0.1 (no real network).
        var port = reactor.ListenTcp(0, Factory.ForProtocol(() => new TinyHttp()), interfaceAddress: "127.0.0.1");
        var url = $"http://127.0.0.1:{((IPEndPoint)port.Host).Port}/hello";

        // (2) A Task API from reactor code: await it, and the continuation runs on the reactor thread again.
        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri(url));
        Check(body == "hello from Torsion" && reactor.IsInReactorThread, $"HttpClient from reactor code got \"{body}\" and came back to the reactor thread");

        // Deferred -> Task: AsTask() hands a Deferred to Task code (Task.WhenAll, WaitAsync...).
        var later = new Deferred<int>();
        reactor.CallLater(TimeSpan.FromMilliseconds(10), () => later.Callback(42));
        var viaTask = await later.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Check(viaTask == 42 && reactor.IsInReactorThread, "a Deferred awaited as a Task");

        // (1) Task code on the thread pool awaiting Deferreds produced on the reactor thread.
        var fromWorker = await Task.Run(async () =>
        {
            var deferred = ReactorThreadsExtensions.BlockingCallFromThread(reactor, () => reactor.DeferToThread(() => 6 * 7).AsTask());
            var value = await deferred;

            // (3) A worker blocks until the reactor ran a function (or a function returning a Deferred) for it.
            var onReactor = reactor.BlockingCallFromThread(() => reactor.IsInReactorThread);
            var seconds = reactor.BlockingCallFromThread(() => Deferred.Succeed(reactor.Seconds()));
            return (value, onReactor, seconds > 0);
        });
        Check(fromWorker == (42, true, true), "a worker awaited a Deferred's Task and used BlockingCallFromThread");

        // Task -> Deferred: Deferred.FromTask wraps any Task for Deferred-style callbacks.
        var wrapped = await Deferred.FromTask(Task.Run(() => "from a Task"));
        Check(wrapped == "from a Task" && reactor.IsInReactorThread, "a Task wrapped with Deferred.FromTask");
    }
    catch (Exception e)
    {
        Check(false, $"unexpected {e}");
    }
    finally
    {
        reactor.Stop();
    }

    return Unit.Value;
}

/// <summary>Answers any request with one fixed HTTP/1.0 response, then closes (enough for HttpClient).</summary>
sealed class TinyHttp : Protocol
{
    private readonly MemoryStream _request = new();

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _request.Write(data);
        if (!_request.ToArray().AsSpan().EndsWith("\r\n\r\n"u8))
        {
            return;
        }

        var body = "hello from Torsion"u8;
        Transport.Write(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        Transport.Write(body);
        Transport.LoseConnection();
    }
}
