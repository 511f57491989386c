using System.Net;

namespace Torsion.Protocols.Socks;

/// <summary>A SOCKS4 reply: VN=0, CD, DSTPORT, DSTIP (the bound address for BIND; ignored by clients for CONNECT).</summary>
/// <param name="Code">The reply code.</param>
/// <param name="Bound">DSTIP and DSTPORT of the reply.</param>
public sealed record Socks4Reply(Socks4ReplyCode Code, IPEndPoint Bound);
