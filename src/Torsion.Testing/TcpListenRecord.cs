using System.Net;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>One <c>ListenTcp</c> call recorded by <see cref="MemoryReactor"/>; also the port it returned.</summary>
public sealed class TcpListenRecord(int port, IProtocolFactory factory, int backlog, string? interfaceAddress, EndPoint host) : IListeningPort
{
    /// <summary>The port asked for.</summary>
    public int Port { get; } = port;

    /// <summary>The factory given.</summary>
    public IProtocolFactory Factory { get; } = factory;

    /// <summary>The backlog given.</summary>
    public int Backlog { get; } = backlog;

    /// <summary>The interface given, if any.</summary>
    public string? InterfaceAddress { get; } = interfaceAddress;

    /// <summary>True once <see cref="StopListening"/> was called.</summary>
    public bool Stopped { get; private set; }

    /// <inheritdoc />
    public EndPoint Host { get; } = host;

    /// <inheritdoc />
    public Deferred<Unit> StopListening()
    {
        Stopped = true;
        return Deferred.Succeed();
    }
}
