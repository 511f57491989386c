namespace Torsion.Web.Tests.Interop;

/// <summary>The lines a peer process prints, collected as they come, so a test can wait for one.</summary>
public sealed class ProcessLines
{
    private readonly List<string> _lines = [];
    private readonly Task _reading;

    public ProcessLines(StreamReader output)
    {
        _reading = CollectAsync(output);
    }

    /// <summary>Waits until the process printed <paramref name="line"/>; false after the timeout or when its output ended.</summary>
    public bool WaitForLine(string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_lines)
        {
            while (!_lines.Contains(line))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _reading.IsCompleted)
                {
                    return _lines.Contains(line);
                }

                Monitor.Wait(_lines, left);
            }

            return true;
        }
    }

    /// <summary>What the process printed so far, for failure messages.</summary>
    public string Output()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines);
        }
    }

    private async Task CollectAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                    Monitor.PulseAll(_lines);
                }
            }
        }
        finally
        {
            lock (_lines)
            {
                Monitor.PulseAll(_lines);
            }
        }
    }
}
