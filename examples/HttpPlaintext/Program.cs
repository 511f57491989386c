// The TechEmpower plaintext server on Torsion's handler-delegate path (bench/README.md, http-plaintext scenarios),
// which also answers HTTP/2 with prior knowledge (h2c, bench/web.sh h2-plaintext) on the same port, and a WebSocket
// echo at /ws (bench/web.sh ws-echo), so that one program mirrors the anchors' routes.
//   dotnet examples/HttpPlaintext/bin/Release/net10.0/HttpPlaintext.dll 8080
using System.Runtime.InteropServices;
using Torsion.Reactor;
using Torsion.Web.Http;
using Torsion.Web.WebSocket;

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 8080;
using var group = new ReactorGroup();
var factory = new HttpServerFactory((request, response) => Handle(group, request, response), group);
var listening = group.ListenTcp(port, factory, backlog: 1024, interfaceAddress: "127.0.0.1");
Console.WriteLine($"plaintext server on 127.0.0.1:{port} ({group.Reactors.Count} reactor(s))");

// A graceful stop: stop accepting, drain the connections of every reactor (each on its own thread; 5 s at most),
// then stop the reactors.
var first = group.Reactors[0];
var stopping = 0;
void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    if (Interlocked.Exchange(ref stopping, 1) == 0)
    {
        first.CallFromThread(() => listening.StopListening()
            .AddBoth(_ => factory.Shutdown(TimeSpan.FromSeconds(5), first))
            .AddBoth(_ => group.Stop()));
    }
}

using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
group.Run();
return 0;

static void Handle(ReactorGroup group, HttpServerRequest request, HttpServerResponse response)
{
    if (request.Path.SequenceEqual("/plaintext"u8))
    {
        response.AddHeader("Content-Type"u8, "text/plain"u8);
        response.Write("Hello, World!"u8);
        response.Finish();
    }
    else if (request.Path.SequenceEqual("/ws"u8))
    {
        // The handler runs on the connection's reactor: its timers (close timeout) belong there.
        var reactor = group.Reactors.First(r => r.IsInReactorThread);
        if (WebSocketUpgrade.Accept(request, response, reactor) is { } ws)
        {
            ws.MessageReceived += (sender, type, payload) =>
            {
                if (sender.IsOpen)
                {
                    sender.Send(type, payload);
                }
            };
        }
    }
    else
    {
        response.StatusCode = 404;
        response.Finish();
    }
}
