using System.Net;

namespace Torsion.Protocols;

/// <summary>Builds one protocol per connection.</summary>
public interface IProtocolFactory
{
    /// <summary>Called when the factory starts being used by a listening port or connector (once per use).</summary>
    void DoStart();

    /// <summary>Called when a listening port or connector stops using the factory.</summary>
    void DoStop();

    /// <summary>Builds the protocol for a connection from <paramref name="peer"/>; null refuses the connection.</summary>
    IProtocol? BuildProtocol(EndPoint peer);
}
