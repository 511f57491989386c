using System.Net;

namespace Torsion.Endpoints.Proxy;

/// <summary>A parsed PROXY protocol header: who the proxy's client was and whom it connected to.</summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="IsLocal">True for v2's LOCAL command (the proxy's own connection, e.g. a health check): the real peer stays.</param>
/// <param name="Source">The original client, or null (UNKNOWN, LOCAL, AF_UNSPEC): the real peer stays.</param>
/// <param name="Destination">The address the client connected to on the proxy, or null.</param>
/// <param name="Length">How many bytes the header took; the bytes after it belong to the protocol.</param>
public sealed record ProxyHeader(int Version, bool IsLocal, EndPoint? Source, EndPoint? Destination, int Length);
