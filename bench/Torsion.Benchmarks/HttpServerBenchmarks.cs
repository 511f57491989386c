using System.Text;
using BenchmarkDotNet.Attributes;
using Torsion.Testing;
using Torsion.Web.Http;

namespace Torsion.Benchmarks;

/// <summary>
/// The HTTP/1.1 server's per-request cost without sockets: parsing a TechEmpower plaintext request, and a whole
/// request/response through HttpServerProtocol on a StringTransport (one and 16 pipelined). Goal: 0 B allocated.
/// Run: dotnet run -c Release --project bench/Torsion.Benchmarks -- --filter '*HttpServer*'
/// </summary>
[MemoryDiagnoser]
public class HttpServerBenchmarks
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes(
        "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nConnection: keep-alive\r\n\r\n");

    private static readonly byte[] Pipelined = [.. Enumerable.Repeat(Request, 16).SelectMany(b => b)];

    private readonly HttpRequestParser _parser = new();
    private StringTransport _transport = null!;
    private HttpServerProtocol _protocol = null!;

    [GlobalSetup]
    public void Setup()
    {
        _transport = new StringTransport();
        _protocol = new HttpServerProtocol((request, response) =>
        {
            response.AddHeader("Content-Type"u8, "text/plain"u8);
            response.Write("Hello, World!"u8);
            response.Finish();
        }, new Clock());
        _transport.Connect(_protocol);
    }

    [Benchmark]
    public int ParseHead()
    {
        _parser.Parse(Request, out var consumed, out _);
        _parser.Parse(default, out _, out _);
        return consumed;
    }

    [Benchmark]
    public void ServePlaintext()
    {
        _protocol.DataReceived(Request);
        _transport.Clear();
    }

    [Benchmark(OperationsPerInvoke = 16)]
    public void ServePlaintextPipelined16()
    {
        _protocol.DataReceived(Pipelined);
        _transport.Clear();
    }
}
