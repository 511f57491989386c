using Torsion.Transports;

namespace Torsion.Protocols;

/// <summary>The events of one connection, as a protocol receives them.</summary>
public interface IProtocol
{
    /// <summary>Binds the protocol to its transport; called once when the connection is made.</summary>
    void MakeConnection(ITransport transport);

    /// <summary>Bytes arrived. The span is valid only during the call: copy what you keep.</summary>
    void DataReceived(ReadOnlySpan<byte> data);

    /// <summary>
    /// The connection is gone: <c>ConnectionDoneException</c> for a clean close,
    /// <c>ConnectionLostException</c> (or a more precise error) otherwise.
    /// </summary>
    void ConnectionLost(Exception reason);
}
