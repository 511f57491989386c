using System.Diagnostics;

namespace Torsion.Web.Tests.Interop;

/// <summary>
/// A real Kestrel server (tests/Torsion.KestrelPeer, ASP.NET Core) started as a child process on 127.0.0.1:
/// HTTP/1.1 on <see cref="Port"/>, HTTP/2 prior knowledge (h2c) on <see cref="H2cPort"/>, and HTTP/1.1 + HTTP/2
/// with ALPN over TLS on <see cref="TlsPort"/> with a certificate signed by <see cref="CaFile"/>. Its routes are
/// listed at the top of tests/Torsion.KestrelPeer/Program.cs. Always stopped on Dispose.
/// </summary>
public sealed class KestrelPeer : IDisposable
{
    private readonly Process _process;
    private readonly ProcessLines _stdout;

    /// <summary>Starts the peer (its HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS is 256).</summary>
    public KestrelPeer()
        : this(maxStreams: null)
    {
    }

    // Private: a class fixture (IClassFixture) may have only one public constructor.
    private KestrelPeer(int? maxStreams)
    {
        Root = Directory.CreateTempSubdirectory("torsion-kestrel-").FullName;
        TestCertificates.Write(Root, "Torsion Kestrel test CA");
        // Port 0 everywhere: Kestrel binds ports the system picks and names them in its ready line, so no other test
        // can take a port between choosing it and binding it.
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            PeerAssembly(), "--http", "0", "--h2c", "0", "--https", "0",
            "--cert", Path.Combine(Root, "cert.pem"), "--key", Path.Combine(Root, "key.pem"),
        })
        {
            info.ArgumentList.Add(a);
        }

        if (maxStreams is { } streams)
        {
            info.ArgumentList.Add("--max-streams");
            info.ArgumentList.Add(streams.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _process = Process.Start(info)!;
        var errors = _process.StandardError.ReadToEndAsync();
        var ready = _process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result is not { } line || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            Kill();
            throw new InvalidOperationException($"Kestrel peer did not start: {(ready.IsCompleted ? ready.Result : "(no line within 60 s)")} {errors.Result}");
        }

        // "ready http=P h2c=P https=P"
        var ports = line["ready ".Length..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Port = ports["http"];
        H2cPort = ports["h2c"];
        TlsPort = ports["https"];

        _stdout = new ProcessLines(_process.StandardOutput);
    }

    /// <summary>Starts a peer whose HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS is <paramref name="maxStreams"/>.</summary>
    public static KestrelPeer WithMaxStreams(int maxStreams) => new(maxStreams);

    public string Root { get; }

    /// <summary>Waits until the peer printed <paramref name="line"/>; false after the timeout or when the peer exited.</summary>
    public bool WaitForLine(string line, TimeSpan timeout) => _stdout.WaitForLine(line, timeout);

    /// <summary>What the peer printed so far, for failure messages.</summary>
    public string Output() => _stdout.Output();

    /// <summary>HTTP/1.1 only.</summary>
    public int Port { get; }

    /// <summary>HTTP/2 only, with prior knowledge (no TLS).</summary>
    public int H2cPort { get; }

    /// <summary>TLS; ALPN offers h2 and http/1.1.</summary>
    public int TlsPort { get; }

    /// <summary>The CA that signed the TLS certificate (names: localhost, 127.0.0.1).</summary>
    public string CaFile => Path.Combine(Root, "ca.pem");

    /// <summary>The built peer: tests/Torsion.KestrelPeer/bin/CONFIG/net10.0/Torsion.KestrelPeer.dll.</summary>
    public static string PeerAssembly()
    {
        // The test runs from tests/Torsion.Web.Tests/bin/CONFIG/net10.0/; the peer is built beside it (ProjectReference).
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var config = baseDir.Parent!.Name;
        var tests = baseDir.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "Torsion.KestrelPeer", "bin", config, "net10.0", "Torsion.KestrelPeer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build tests/Torsion.KestrelPeer first", path);
    }

    private void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(20_000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(Root, recursive: true);
        }
    }
}
