using System.Net;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>
/// A reactor that does no I/O, for tests: it records listens and connects (and readers/writers), runs calls from
/// threads at once, and keeps time with a <see cref="Testing.Clock"/> that the test advances.
/// </summary>
public sealed partial class MemoryReactor : IReactor
{
    private readonly List<IReadDescriptor> _readers = [];
    private readonly List<IWriteDescriptor> _writers = [];
    private readonly List<(SystemEventPhase Phase, SystemEventType Type, Action Run)> _triggers = [];

    /// <summary>The clock behind <see cref="Seconds"/> and <see cref="CallLater"/>; advance it to run calls.</summary>
    public Clock Clock { get; } = new();

    /// <summary>Every <see cref="ListenTcp"/> call, in order.</summary>
    public List<TcpListenRecord> TcpServers { get; } = [];

    /// <summary>Every <see cref="ConnectTcp"/> call, in order.</summary>
    public List<TcpConnectRecord> TcpClients { get; } = [];

    /// <summary>Every <see cref="AdoptStreamPort"/> call, in order.</summary>
    public List<AdoptedPortRecord> AdoptedPorts { get; } = [];

    /// <summary>Work given to <see cref="CallInThread"/>, not run until the test runs it.</summary>
    public List<Action> ThreadWork { get; } = [];

    /// <summary>True after <see cref="Run"/> and until <see cref="Stop"/>.</summary>
    public bool Running { get; private set; }

    /// <summary>True once <see cref="Stop"/> was called.</summary>
    public bool HasStopped { get; private set; }

    /// <summary>Always true: a memory reactor has no thread of its own.</summary>
    public bool IsInReactorThread => true;

    /// <inheritdoc />
    public double Seconds() => Clock.Seconds();

    /// <inheritdoc />
    public IDelayedCall CallLater(TimeSpan delay, Action action) => Clock.CallLater(delay, action);

    /// <summary>Fires the startup triggers and marks the reactor running; returns at once (there is no loop).</summary>
    public void Run()
    {
        Running = true;
        Fire(SystemEventType.Startup);
    }

    /// <summary>Fires the shutdown triggers and marks the reactor stopped.</summary>
    public void Stop()
    {
        if (!Running)
        {
            throw new InvalidOperationException("The reactor is not running, so it cannot be stopped.");
        }

        Fire(SystemEventType.Shutdown);
        Running = false;
        HasStopped = true;
    }

    private void Fire(SystemEventType type)
    {
        foreach (var phase in new[] { SystemEventPhase.Before, SystemEventPhase.During, SystemEventPhase.After })
        {
            foreach (var trigger in _triggers.Where(t => t.Type == type && t.Phase == phase).ToArray())
            {
                trigger.Run();
            }
        }
    }

    /// <inheritdoc />
    public void CallWhenRunning(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Running)
        {
            action();
        }
        else
        {
            AddSystemEventTrigger(SystemEventPhase.After, SystemEventType.Startup, action);
        }
    }

    /// <inheritdoc />
    public object AddSystemEventTrigger(SystemEventPhase phase, SystemEventType eventType, Action trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var entry = (phase, eventType, trigger);
        _triggers.Add(entry);
        return entry;
    }

    /// <summary>Adds a trigger; a returned Deferred is not waited for (there is no loop to wait in).</summary>
    public object AddSystemEventTrigger<T>(SystemEventPhase phase, SystemEventType eventType, Func<Deferred<T>?> trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return AddSystemEventTrigger(phase, eventType, () => trigger());
    }

    /// <inheritdoc />
    public void RemoveSystemEventTrigger(object handle)
    {
        if (handle is not ValueTuple<SystemEventPhase, SystemEventType, Action> entry || !_triggers.Remove(entry))
        {
            throw new ArgumentException("This is not a system event trigger of this reactor, or it was removed already.", nameof(handle));
        }
    }

    /// <summary>Runs <paramref name="action"/> at once.</summary>
    public void CallFromThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        action();
    }

    /// <summary>Records <paramref name="action"/> in <see cref="ThreadWork"/>.</summary>
    public void CallInThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThreadWork.Add(action);
    }

    /// <inheritdoc />
    public void SuggestThreadPoolSize(int size) => ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);

    /// <summary>Records the listen and returns a port whose <see cref="IListeningPort.Host"/> is the asked address.</summary>
    public IListeningPort ListenTcp(int port, IProtocolFactory factory, int backlog = 50, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var address = string.IsNullOrEmpty(interfaceAddress) ? IPAddress.Any : IPAddress.Parse(interfaceAddress);
        var record = new TcpListenRecord(port, factory, backlog, interfaceAddress, new IPEndPoint(address, port == 0 ? 40000 + TcpServers.Count : port));
        TcpServers.Add(record);
        return record;
    }

    /// <summary>Records the connect and returns a connector that stays connecting until the test acts.</summary>
    public IConnector ConnectTcp(string host, int port, ClientFactory factory, TimeSpan? timeout = null, IPEndPoint? bindAddress = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(factory);
        var record = new TcpConnectRecord(host, port, factory, timeout ?? TimeSpan.FromSeconds(30), bindAddress);
        TcpClients.Add(record);
        factory.StartedConnecting(record);
        return record;
    }

    /// <summary>Records the adoption and returns a port whose <see cref="IListeningPort.Host"/> is a made-up address of the family.</summary>
    public IListeningPort AdoptStreamPort(int fileDescriptor, System.Net.Sockets.AddressFamily addressFamily, IProtocolFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var address = addressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        var record = new AdoptedPortRecord(fileDescriptor, addressFamily, factory, new IPEndPoint(address, 40000 + AdoptedPorts.Count));
        AdoptedPorts.Add(record);
        return record;
    }

    /// <inheritdoc />
    public void AddReader(IReadDescriptor reader)
    {
        if (!_readers.Contains(reader))
        {
            _readers.Add(reader);
        }
    }

    /// <inheritdoc />
    public void AddWriter(IWriteDescriptor writer)
    {
        if (!_writers.Contains(writer))
        {
            _writers.Add(writer);
        }
    }

    /// <inheritdoc />
    public void RemoveReader(IReadDescriptor reader) => _readers.Remove(reader);

    /// <inheritdoc />
    public void RemoveWriter(IWriteDescriptor writer) => _writers.Remove(writer);

    /// <inheritdoc />
    public IReadOnlyList<IDescriptor> RemoveAll()
    {
        var all = _readers.Cast<IDescriptor>().Concat(_writers).Distinct().ToList();
        _readers.Clear();
        _writers.Clear();
        return all;
    }

    /// <inheritdoc />
    public IReadOnlyList<IReadDescriptor> GetReaders() => [.. _readers];

    /// <inheritdoc />
    public IReadOnlyList<IWriteDescriptor> GetWriters() => [.. _writers];
}
