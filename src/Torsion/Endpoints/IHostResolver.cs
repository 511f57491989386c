using System.Net;
using Torsion.Defer;

namespace Torsion.Endpoints;

/// <summary>Resolves a host name to all its addresses; injected so that tests never ask the system resolver.</summary>
public interface IHostResolver
{
    /// <summary>Fires on the reactor thread with every address of <paramref name="hostName"/> (in the resolver's order), or fails with <c>DnsLookupException</c>.</summary>
    Deferred<IReadOnlyList<IPAddress>> ResolveHostName(string hostName);
}
