using System.Net;

namespace Torsion.Testing;

/// <summary>One datagram written to a recorded datagram transport: its bytes and where it was sent (null: the connected address).</summary>
/// <param name="Data">A copy of the datagram.</param>
/// <param name="To">The address given, or null for a write on a connected transport.</param>
public sealed record DatagramWrite(byte[] Data, EndPoint? To);
