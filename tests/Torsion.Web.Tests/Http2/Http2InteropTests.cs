using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Torsion.Reactor;
using Torsion.Tls;
using Torsion.Web.Server;

namespace Torsion.Web.Tests.Http2;

/// <summary>
/// Real HTTP/2 clients against a Site on the real reactor, on 127.0.0.1: curl (prior knowledge and ALPN over TLS with a
/// generated CA), nghttp and h2load (Debian nghttp2-client, installed by test.sh), including nghttp through a shutdown.
/// </summary>
public sealed class Http2InteropTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-h2-").FullName;
    private readonly byte[] _big = RandomNumberGenerator.GetBytes(1024 * 1024);
    private readonly ReactorBase _reactor;
    private readonly Thread _thread;
    private readonly int _port;
    private readonly int _tlsPort;
    private readonly TaskCompletionSource<Request> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Site? _site;

    public Http2InteropTests()
    {
        Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Torsion test CA");
        Openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        System.IO.File.WriteAllText(Path.Combine(_dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
        Openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");

        var tree = new Resource();
        tree.PutChild("hello", new Text("Hello over HTTP/2"));
        tree.PutChild("big", new Bytes(_big));
        tree.PutChild("upload", new Upload());
        tree.PutChild("hold", new Hold(_held));
        _reactor = ReactorFactory.Create();
        var ports = new TaskCompletionSource<(int, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.CallFromThread(() =>
        {
            try
            {
                var site = _site = new Site(tree, _reactor);
                var plain = _reactor.ListenTcp(0, site, 128, "127.0.0.1");
                var tls = TlsOptions.Server(Path.Combine(_dir, "server.pem"), Path.Combine(_dir, "server.key"));
                tls.ApplicationProtocols.Add("h2");
                tls.ApplicationProtocols.Add("http/1.1");
                var secure = _reactor.ListenSsl(0, site, tls, 128, "127.0.0.1");
                ports.SetResult((((IPEndPoint)plain.Host).Port, ((IPEndPoint)secure.Host).Port));
            }
            catch (Exception e)
            {
                ports.SetException(e);
            }
        });
        _thread = new Thread(_reactor.Run) { IsBackground = true, Name = "h2 interop reactor" };
        _thread.Start();
        (_port, _tlsPort) = ports.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _reactor.CallFromThread(() =>
        {
            if (_reactor.Running)
            {
                _reactor.Stop();
            }
        });
        _thread.Join(Timeout);
        _reactor.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Text(string text) : Resource
    {
        public override RenderResult RenderGet(Request request) => text + " " + request.ClientProtocol;
    }

    private sealed class Bytes(byte[] data) : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            request.Write(data);
            request.Finish();
            return RenderResult.NotDoneYet;
        }
    }

    /// <summary>Answers only when the test says so.</summary>
    private sealed class Hold(TaskCompletionSource<Request> held) : Resource
    {
        public override RenderResult RenderGet(Request request)
        {
            held.TrySetResult(request);
            return RenderResult.NotDoneYet;
        }
    }

    private sealed class Upload : Resource
    {
        public override RenderResult RenderPost(Request request)
        {
            var body = new MemoryStream();
            request.Content.CopyTo(body);
            return $"{body.Length} {Convert.ToHexStringLower(SHA256.HashData(body.ToArray()))}";
        }
    }

    [Fact]
    public void Curl_with_prior_knowledge_gets_a_page_over_h2c()
    {
        var (output, err) = Run("curl", "-s", "-v", "--http2-prior-knowledge", $"http://127.0.0.1:{_port}/hello");
        Assert.Equal("Hello over HTTP/2 HTTP/2.0", output);
        Assert.Contains("HTTP/2 200", err);
    }

    [Fact]
    public void Curl_upgrades_a_cleartext_connection_with_h2c()
    {
        var (output, err) = Run("curl", "-s", "-v", "--http2", $"http://127.0.0.1:{_port}/hello");
        Assert.Contains("101 Switching Protocols", err);
        Assert.Contains("HTTP/2 200", err);
        Assert.Equal("Hello over HTTP/2 HTTP/2.0", output);
    }

    [Fact]
    public void Curl_negotiates_h2_by_alpn_over_tls()
    {
        var (output, err) = Run("curl", "-s", "-v", "--http2", "--cacert", Path.Combine(_dir, "ca.pem"), $"https://127.0.0.1:{_tlsPort}/hello");
        Assert.Equal("Hello over HTTP/2 HTTP/2.0", output);
        Assert.Contains("HTTP/2 200", err);
    }

    [Fact]
    public void Curl_without_h2_still_gets_http1_on_the_same_ports()
    {
        Assert.Equal("Hello over HTTP/2 HTTP/1.1", Run("curl", "-s", "--http1.1", $"http://127.0.0.1:{_port}/hello").Out);
        Assert.Equal("Hello over HTTP/2 HTTP/1.1", Run("curl", "-s", "--http1.1", "--cacert", Path.Combine(_dir, "ca.pem"), $"https://127.0.0.1:{_tlsPort}/hello").Out);
    }

    [Fact]
    public void Curl_downloads_one_MiB_and_uploads_one_MiB_over_h2c()
    {
        var file = Path.Combine(_dir, "big.bin");
        System.IO.File.WriteAllBytes(file, _big);
        var (output, _) = Run("curl", "-s", "--http2-prior-knowledge", "-o", Path.Combine(_dir, "down.bin"), "-w", "%{http_version}", $"http://127.0.0.1:{_port}/big");
        Assert.Equal("2", output);
        Assert.Equal(_big, System.IO.File.ReadAllBytes(Path.Combine(_dir, "down.bin")));
        var (up, _) = Run("curl", "-s", "--http2-prior-knowledge", "--data-binary", "@" + file, $"http://127.0.0.1:{_port}/upload");
        Assert.Equal($"{_big.Length} {Convert.ToHexStringLower(SHA256.HashData(_big))}", up);
    }

    [Fact]
    public void Nghttp_fetches_a_page()
    {
        var (output, _) = Run("nghttp", "-nv", $"http://127.0.0.1:{_port}/hello");
        Assert.Contains(":status: 200", output);
        Assert.Contains("recv SETTINGS frame", output);
        Assert.Contains("send GOAWAY frame", output);
    }

    [Fact]
    public async Task Nghttp_gets_the_two_step_goaway_of_a_shutdown_and_its_stream_finishes()
    {
        var info = new ProcessStartInfo("nghttp") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        info.ArgumentList.Add("-nv");
        info.ArgumentList.Add($"http://127.0.0.1:{_port}/hold");
        using var process = Process.Start(info)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var err = process.StandardError.ReadToEndAsync();
            var request = await _held.Task.WaitAsync(Timeout);
            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _reactor.CallFromThread(() =>
            {
                // GOAWAY 2^31-1 and a PING go out before the response: nghttp reads them first.
                _site!.Shutdown(Timeout, _reactor).AddBoth(_ => drained.SetResult());
                request.Write("held"u8.ToArray());
                request.Finish();
            });
            await process.WaitForExitAsync().WaitAsync(Timeout);
            var text = await output.WaitAsync(Timeout);
            var errors = await err.WaitAsync(Timeout);
            Assert.True(process.ExitCode == 0, $"nghttp exited {process.ExitCode}: {errors}\n{text}");
            Assert.Contains("recv GOAWAY frame", text);
            var first = text.IndexOf("last_stream_id=2147483647", StringComparison.Ordinal);
            var ping = text.IndexOf("recv PING frame", StringComparison.Ordinal);
            var status = text.IndexOf(":status: 200", StringComparison.Ordinal);
            Assert.True(first >= 0 && first < ping && ping < status, text);
            await drained.Task.WaitAsync(Timeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void H2load_completes_1000_requests_on_4_connections_with_16_streams_each()
    {
        var (output, _) = Run("h2load", "-n", "1000", "-c", "4", "-m", "16", $"http://127.0.0.1:{_port}/hello");
        Assert.Contains("1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored", output);
    }

    [Fact]
    public void H2load_over_tls_completes_its_requests()
    {
        var (output, _) = Run("h2load", "-n", "400", "-c", "2", "-m", "16", $"https://127.0.0.1:{_tlsPort}/hello");
        Assert.Contains("400 succeeded, 0 failed, 0 errored", output);
    }

    private const string H2Client = """
        import socket, sys
        import h2.connection, h2.config, h2.events
        port = int(sys.argv[1])
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, validate_inbound_headers=True, normalize_inbound_headers=False))
        conn.initiate_connection()
        streams = {}
        for i in range(20):
            sid = conn.get_next_available_stream_id()
            conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":path", "/hello"), (":authority", "127.0.0.1")], end_stream=True)
            streams[sid] = [None, b""]
        sid = conn.get_next_available_stream_id()
        body = b"x" * 200000
        conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", "/upload"), (":authority", "127.0.0.1"), ("content-length", str(len(body)))])
        streams[sid] = [None, b""]
        pending = body
        ended = set()
        sock.sendall(conn.data_to_send())
        while len(ended) < len(streams):
            while pending and min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size) > 0:
                n = min(len(pending), conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
                conn.send_data(sid, pending[:n], end_stream=(n == len(pending)))
                pending = pending[n:]
                sock.sendall(conn.data_to_send())
            data = sock.recv(65536)
            if not data:
                raise SystemExit("server closed early")
            for e in conn.receive_data(data):
                if isinstance(e, h2.events.ResponseReceived):
                    streams[e.stream_id][0] = dict(e.headers)[b":status"]
                elif isinstance(e, h2.events.DataReceived):
                    streams[e.stream_id][1] += e.data
                    conn.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
                elif isinstance(e, h2.events.StreamEnded):
                    ended.add(e.stream_id)
                elif isinstance(e, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    raise SystemExit("unexpected " + repr(e))
            sock.sendall(conn.data_to_send())
        conn.close_connection()
        sock.sendall(conn.data_to_send())
        statuses = sorted(set(v[0] for v in streams.values()))
        print(statuses, sum(1 for v in streams.values() if v[1] == b"Hello over HTTP/2 HTTP/2.0"), streams[sid][1].decode().split(" ")[0])
        """;

    [Fact]
    public void Python_h2_as_a_strict_client_gets_every_stream_answered()
    {
        System.IO.File.WriteAllText(Path.Combine(_dir, "client.py"), H2Client);
        var (output, _) = Run("/usr/bin/python3", "client.py", _port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("[b'200'] 20 200000", output.Trim());
    }

    private void Openssl(params string[] args) => Run("openssl", args);

    private (string Out, string Err) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var err = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 30 s: {string.Join(' ', args)}");
        }

        Assert.True(output.Wait(Timeout) && err.Wait(Timeout), $"{program}'s output did not end.");
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}: {err.Result}\n{output.Result}");
        return (output.Result, err.Result);
    }
}
