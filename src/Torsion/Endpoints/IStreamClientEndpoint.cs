using Torsion.Defer;
using Torsion.Protocols;

namespace Torsion.Endpoints;

/// <summary>Where a stream client connects to (Twisted's <c>IStreamClientEndpoint</c>).</summary>
public interface IStreamClientEndpoint
{
    /// <summary>
    /// Connects and fires with the protocol built by <paramref name="factory"/> once its connection is made.
    /// Cancelling the Deferred stops the attempt (it fails with <see cref="CancelledException"/>).
    /// </summary>
    Deferred<IProtocol> Connect(IProtocolFactory factory);
}
