using System.Net;

namespace Torsion.Reactor;

/// <summary>A socket listening for connections.</summary>
public interface IListeningPort
{
    /// <summary>The address it listens on (with the real port when 0 was asked for).</summary>
    EndPoint Host { get; }

    /// <summary>
    /// Stops accepting connections and closes the socket; connections already made stay open. The Deferred
    /// fires once the socket is closed.
    /// </summary>
    Torsion.Defer.Deferred<Torsion.Defer.Unit> StopListening();
}
