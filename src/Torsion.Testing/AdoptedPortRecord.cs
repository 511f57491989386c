using System.Net;
using System.Net.Sockets;
using Torsion.Defer;
using Torsion.Protocols;
using Torsion.Reactor;

namespace Torsion.Testing;

/// <summary>One <c>AdoptStreamPort</c> call recorded by <see cref="MemoryReactor"/>; also the port it returned.</summary>
public sealed class AdoptedPortRecord(int fileDescriptor, AddressFamily addressFamily, IProtocolFactory factory, EndPoint host) : IListeningPort
{
    /// <summary>The descriptor given.</summary>
    public int FileDescriptor { get; } = fileDescriptor;

    /// <summary>The address family given.</summary>
    public AddressFamily AddressFamily { get; } = addressFamily;

    /// <summary>The factory given.</summary>
    public IProtocolFactory Factory { get; } = factory;

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
