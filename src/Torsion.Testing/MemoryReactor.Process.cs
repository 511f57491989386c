using Torsion.Transports.Process;

namespace Torsion.Testing;

/// <summary>Child processes, recorded: nothing is started.</summary>
public sealed partial class MemoryReactor
{
    /// <summary>Every <see cref="SpawnProcess"/> call, in order.</summary>
    public List<ProcessSpawnRecord> Processes { get; } = [];

    /// <summary>
    /// Records the spawn, connects the protocol to the returned record (ConnectionMade runs) and gives it a made-up pid;
    /// the test plays the child through the record.
    /// </summary>
    public IProcessTransport SpawnProcess(
        ProcessProtocol protocol,
        string executable,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDirectory = null,
        bool usePty = false,
        (int Rows, int Cols)? windowSize = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentNullException.ThrowIfNull(args);
        var record = new ProcessSpawnRecord(protocol, executable, args, env, workingDirectory, usePty, windowSize, 10000 + Processes.Count);
        Processes.Add(record);
        protocol.MakeConnection(record);
        return record;
    }
}
