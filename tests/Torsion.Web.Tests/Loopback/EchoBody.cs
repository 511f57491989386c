using Torsion.Web.Http;

namespace Torsion.Web.Tests.Loopback;

/// <summary>Reads a request body whole and answers it back as the response body.</summary>
public sealed class EchoBody(HttpServerResponse response) : IHttpBodyReceiver
{
    private readonly MemoryStream _body = new();

    public void BodyDataReceived(ReadOnlySpan<byte> data) => _body.Write(data);

    public void BodyCompleted()
    {
        response.Write(_body.ToArray());
        response.Finish();
    }

    public void BodyFailed(Exception reason)
    {
    }
}
