using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Torsion.Cli.Tests;

/// <summary>The <c>torsion</c> command run as a user runs it: <c>dotnet Torsion.Cli.dll ARGS</c>, output captured.</summary>
internal sealed partial class TorsionProcess : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Line)> _waiters = [];

    private TorsionProcess(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (SigIntIgnored.Value)
        {
            // A test run started as a background job (`dotnet test ... &`) inherits SIGINT ignored, as POSIX shells do for
            // background jobs, and a program started with SIGINT ignored keeps ignoring it (.NET then installs no
            // handler). Run torsion as from a terminal instead: SIGINT back to its default, then exec.
            info.FileName = "python3";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static readonly Lazy<bool> SigIntIgnored = new(() =>
    {
        // SigIgn in /proc/self/status is a hex mask of the ignored signals; SIGINT (2) is bit 1.
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    });

    /// <summary>Torsion.Cli.dll in the Cli project's own output folder (same configuration), else next to the tests.</summary>
    public static string CliPath { get; } = FindCli();

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public static TorsionProcess Start(params string[] args) => new(args);

    /// <summary>Runs to the end (failing the test after <see cref="Timeout"/>).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var code = await process.WaitForExitAsync();
        return (code, process.Stdout, process.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"torsion did not exit within {timeout ?? Timeout}; stderr so far:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for a stderr line (the log) matching <paramref name="match"/>.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> match)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var existing in _stderr.ToString().Split('\n'))
            {
                if (match(existing))
                {
                    return existing;
                }
            }

            _waiters.Add((match, line));
        }

        var done = await Task.WhenAny(line.Task, Task.Delay(Timeout), _process.WaitForExitAsync());
        if (done != line.Task)
        {
            throw new TimeoutException($"torsion did not log the expected line (exited: {_process.HasExited}); stderr:\n{Stderr}");
        }

        return await line.Task;
    }

    /// <summary>Waits until it logs that it listens, and returns the TCP port of the first "Listening on" line.</summary>
    public async Task<int> WaitForListeningPortAsync()
    {
        var line = await WaitForLogAsync(l => l.Contains("Listening on", StringComparison.Ordinal));
        await WaitForLogAsync(l => l.Contains(" started (pid", StringComparison.Ordinal));
        return int.Parse(ListeningPort().Match(line).Groups[1].Value);
    }

    /// <summary>Waits until the file at <paramref name="path"/> holds <paramref name="text"/> (watched for changes, with a timeout).</summary>
    public async Task WaitForExitOrFileLineAsync(string path, string text)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!) { EnableRaisingEvents = true };
        var changed = new SemaphoreSlim(0);
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        var deadline = DateTime.UtcNow + Timeout;
        while (!(File.Exists(path) && ReadShared(path).Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} did not get '{text}' (exited: {_process.HasExited}); stderr:\n{Stderr}");
            }

            // Woken by the watcher; the short bound covers a change notification lost to a race.
            await changed.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Terminate() => Signal(15);

    /// <summary>The process's peak resident memory (VmHWM) in bytes.</summary>
    public long PeakResidentBytes()
    {
        foreach (var line in File.ReadAllLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }

        throw new InvalidOperationException("no VmHWM in /proc status");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            output.Append(line).Append('\n');
            if (output == _stderr)
            {
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Match(line))
                    {
                        _waiters[i].Line.TrySetResult(line);
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string FindCli()
    {
        var here = AppContext.BaseDirectory; // tests/Torsion.Cli.Tests/bin/CONFIG/net10.0/
        var tfmDir = new DirectoryInfo(here.TrimEnd('/'));
        var config = tfmDir.Parent!.Name;
        var repo = tfmDir.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var own = Path.Combine(repo, "src", "Torsion.Cli", "bin", config, tfmDir.Name, "Torsion.Cli.dll");
        return File.Exists(own) ? own : Path.Combine(here, "Torsion.Cli.dll");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"\(.*:(\d+)\)")]
    private static partial Regex ListeningPort();
}
