using System.Net;
using System.Net.Sockets;

namespace Torsion.Transports.Unix;

/// <summary>
/// The address of a Unix socket that was never bound to a path (a client's end, or a datagram sender that did not
/// bind): nothing can be sent to it. <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/> cannot express this.
/// </summary>
public sealed class UnnamedUnixEndPoint : EndPoint
{
    private UnnamedUnixEndPoint()
    {
    }

    /// <summary>The one unnamed address.</summary>
    public static UnnamedUnixEndPoint Instance { get; } = new();

    /// <inheritdoc />
    public override AddressFamily AddressFamily => AddressFamily.Unix;

    /// <inheritdoc />
    public override string ToString() => "(unnamed)";
}
