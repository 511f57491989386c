using Torsion.Protocols;

namespace Torsion.Web.Client;

/// <summary>Where a response body comes from: the connection, or a decoder over another body.</summary>
internal interface IResponseBody
{
    /// <summary>Hands the body to <paramref name="protocol"/>: MakeConnection, DataReceived..., ConnectionLost.</summary>
    void Deliver(IProtocol protocol);
}
