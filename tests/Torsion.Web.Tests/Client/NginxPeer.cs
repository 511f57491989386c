using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Torsion.TestPeers;
using Torsion.Web.Tests.Interop;

namespace Torsion.Web.Tests.Client;

/// <summary>
/// A real nginx (Debian's /usr/sbin/nginx) started as a child process with a generated config in a temp dir: pid,
/// logs and temp paths inside it, plain HTTP and TLS on 127.0.0.1, an access log with the connection serial number.
/// Always stopped on Dispose.
/// </summary>
public sealed class NginxPeer : IDisposable
{
    private readonly Process _process;

    public NginxPeer()
    {
        Root = Directory.CreateTempSubdirectory("torsion-nginx-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "www"));
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        Blob = RandomNumberGenerator.GetBytes(1_000_000);
        File.WriteAllBytes(Path.Combine(Root, "www", "blob.bin"), Blob);
        Text = string.Concat(Enumerable.Range(0, 4000).Select(i => $"line {i} of compressible text\n"));
        File.WriteAllText(Path.Combine(Root, "www", "text.txt"), Text);
        Interop.TestCertificates.Write(Root, "Torsion nginx test CA");
        // nginx cannot bind port 0 and tell its ports: a port taken between the pick and its bind makes it exit, and it is
        // started again on fresh ones (see PeerStart).
        (_process, Port, TlsPort) = PeerStart.OnFreshPorts(2, ports => (Start(ports[0], ports[1]), ports[0], ports[1]));
    }

    private Process Start(int port, int tlsPort)
    {
        var conf = Path.Combine(Root, "nginx.conf");
        File.WriteAllText(conf, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{Root}}/nginx.pid;
            error_log {{Root}}/error.log info;
            events { worker_connections 256; }
            http {
              types { text/plain txt; application/octet-stream bin; }
              default_type application/octet-stream;
              log_format conn '$connection $request $status';
              access_log {{Root}}/access.log conn;
              client_body_temp_path {{Root}}/tmp/body;
              proxy_temp_path {{Root}}/tmp/proxy;
              fastcgi_temp_path {{Root}}/tmp/fastcgi;
              uwsgi_temp_path {{Root}}/tmp/uwsgi;
              scgi_temp_path {{Root}}/tmp/scgi;
              keepalive_timeout 30;
              keepalive_requests 100000;
              gzip on;
              gzip_types text/plain;
              gzip_min_length 1;
              server {
                listen 127.0.0.1:{{port}};
                listen 127.0.0.1:{{tlsPort}} ssl;
                ssl_certificate {{Root}}/cert.pem;
                ssl_certificate_key {{Root}}/key.pem;
                server_name localhost;
                root {{Root}}/www;
                location = /hello { default_type text/plain; return 200 "hello from nginx\n"; }
                location = /moved { return 302 /hello; }
              }
            }
            """);
        var info = new ProcessStartInfo("/usr/sbin/nginx") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-e", Path.Combine(Root, "error.log"), "-c", conf, "-p", Root + "/" })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            // Both: nginx listens on each address it could bind at once, and retries one that is in use for a while
            // before it exits, so the other answering does not mean both are bound.
            WaitListening(process, port);
            WaitListening(process, tlsPort);
            return process;
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(20_000);
            }

            process.Dispose();
            throw;
        }
    }

    public string Root { get; }

    public int Port { get; }

    public int TlsPort { get; }

    public byte[] Blob { get; }

    public string Text { get; }

    public string CaFile => Path.Combine(Root, "ca.pem");

    /// <summary>Lines of the access log: "connection-serial request status".</summary>
    public string[] AccessLog() => File.Exists(Path.Combine(Root, "access.log")) ? File.ReadAllLines(Path.Combine(Root, "access.log")) : [];

    private void WaitListening(Process process, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {ErrorLog()}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException e)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{port} within 20 s: {ErrorLog()}", e);
                }

                // nginx is still starting: poll until the deadline.
                Thread.Yield();
            }
        }
    }

    private string ErrorLog() => File.Exists(Path.Combine(Root, "error.log")) ? File.ReadAllText(Path.Combine(Root, "error.log")) : "(no error.log)";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(20_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(Root, recursive: true);
        }
    }
}
