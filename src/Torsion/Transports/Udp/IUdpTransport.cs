namespace Torsion.Transports.Udp;

/// <summary>A bound UDP socket: datagrams to any address, or connected to one (with ICMP refusals reported).</summary>
public interface IUdpTransport : IDatagramTransport
{
    /// <summary>
    /// Connects the socket to <paramref name="host"/>:<paramref name="port"/>: it then only exchanges datagrams with
    /// that address, and an ICMP port unreachable is reported to the protocol's <c>ConnectionRefused</c>.
    /// </summary>
    /// <param name="host">An IP literal (no name lookup, as in Twisted).</param>
    /// <param name="port">The remote port.</param>
    /// <exception cref="ArgumentException">The host is not an IP literal, or of the other address family.</exception>
    /// <exception cref="InvalidOperationException">The socket is connected already or stopped.</exception>
    void Connect(string host, int port);

    /// <summary>Whether datagrams may be sent to broadcast addresses (SO_BROADCAST, off by default).</summary>
    bool BroadcastAllowed { get; }

    /// <summary>Allows or forbids sending to broadcast addresses (SO_BROADCAST).</summary>
    void SetBroadcastAllowed(bool allowed);
}
