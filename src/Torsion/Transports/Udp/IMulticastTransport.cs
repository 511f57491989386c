using System.Net;
using Torsion.Defer;

namespace Torsion.Transports.Udp;

/// <summary>A UDP socket that joins multicast groups and sets how its own multicast datagrams go out.</summary>
public interface IMulticastTransport : IUdpTransport
{
    /// <summary>
    /// Joins <paramref name="group"/> on the interface with address <paramref name="interfaceAddress"/> (null: the
    /// system's choice). Fires once joined, or fails with <see cref="MulticastJoinException"/>.
    /// </summary>
    Deferred<Unit> JoinGroup(IPAddress group, IPAddress? interfaceAddress = null);

    /// <summary>Leaves a group joined with <see cref="JoinGroup"/>; fails with <see cref="MulticastJoinException"/> if it was not joined.</summary>
    Deferred<Unit> LeaveGroup(IPAddress group, IPAddress? interfaceAddress = null);

    /// <summary>The time-to-live (IPv6: hop limit) of multicast datagrams sent (1 by default: this network only).</summary>
    int Ttl { get; }

    /// <summary>Sets the time-to-live (IPv6: hop limit) of multicast datagrams sent, 0 to 255.</summary>
    void SetTtl(int ttl);

    /// <summary>Whether multicast datagrams sent are looped back to this machine's members (on by default).</summary>
    bool LoopbackMode { get; }

    /// <summary>Sets whether multicast datagrams sent are looped back to this machine's members.</summary>
    void SetLoopbackMode(bool loopback);

    /// <summary>Sends multicast datagrams out of the interface with address <paramref name="interfaceAddress"/>.</summary>
    /// <exception cref="ArgumentException">No interface of this machine has that address (IPv6).</exception>
    void SetOutgoingInterface(IPAddress interfaceAddress);
}
