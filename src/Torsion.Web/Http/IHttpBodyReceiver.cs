namespace Torsion.Web.Http;

/// <summary>Receives a request body as it arrives (see <see cref="HttpServerRequest.ReadBody"/>).</summary>
public interface IHttpBodyReceiver
{
    /// <summary>Some body bytes: valid only during the call.</summary>
    void BodyDataReceived(ReadOnlySpan<byte> data);

    /// <summary>The body is complete.</summary>
    void BodyCompleted();

    /// <summary>The body will not complete: the connection was lost or the body was malformed.</summary>
    void BodyFailed(Exception reason);
}
